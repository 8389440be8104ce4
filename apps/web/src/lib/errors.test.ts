import { describe, expect, it } from "vitest";
import { errorMessage } from "./errors";

describe("error messages", () => {
  it("shows the server's message, never a stack", () => {
    const e = new Error("No candles stored for demo X 1m.\n    at startRun (/srv/startRun.ts:10:5)\n    at foo");
    expect(errorMessage(e)).toBe("No candles stored for demo X 1m.");
    expect(errorMessage(new TypeError("Failed to fetch"))).toMatch(/Cannot reach the Keyflow server/);
    expect(errorMessage(null)).toBe("Something went wrong.");
  });
});
