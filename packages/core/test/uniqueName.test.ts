import { describe, expect, it } from "vitest";
import { NAME_MAX, uniqueName } from "../src";

describe("a new strategy's name", () => {
  it("is kept while no strategy has it", () => {
    expect(uniqueName("SMA cross", ["RSI"])).toBe("SMA cross");
  });

  it("gets the first free number when it is taken", () => {
    expect(uniqueName("SMA cross", ["SMA cross"])).toBe("SMA cross (2)");
    expect(uniqueName("SMA cross", ["SMA cross", "SMA cross (2)"])).toBe("SMA cross (3)");
    expect(uniqueName("SMA cross (2)", ["SMA cross", "SMA cross (2)"])).toBe("SMA cross (3)");
  });

  it("stays within the name's length limit", () => {
    const long = "x".repeat(NAME_MAX);
    const r = uniqueName(long, [long]);
    expect(r).toHaveLength(NAME_MAX);
    expect(r.endsWith(" (2)")).toBe(true);
  });
});
