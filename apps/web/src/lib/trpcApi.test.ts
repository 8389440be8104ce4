import { describe, expect, it } from "vitest";
import { getTemplate } from "@keyflow/core";
import { indicatorLabel, thresholdsOf } from "./trpcApi";
import { errorMessage } from "./errors";

describe("result mapping", () => {
  it("finds the constant levels a flow compares an oscillator with", () => {
    const flow = getTemplate("rsi-reversion")!.flow;
    expect(thresholdsOf(flow, "rsi", "value")).toEqual([30, 70]);
    expect(thresholdsOf(flow, "close", "value")).toEqual([]);
  });

  it("names recorded outputs after the block and its params", () => {
    const flow = getTemplate("sma-cross")!.flow;
    expect(indicatorLabel(flow, "fast", "value")).toBe("SMA 10");
    expect(indicatorLabel(getTemplate("macd-trend")!.flow, getTemplate("macd-trend")!.flow.nodes.find((n) => n.kind === "macd")!.id, "signal")).toBe("MACD 12/26/9 · Signal");
  });
});

describe("error messages", () => {
  it("shows the server's message, never a stack", () => {
    const e = new Error("No candles stored for demo X 1m.\n    at startRun (/srv/startRun.ts:10:5)\n    at foo");
    expect(errorMessage(e)).toBe("No candles stored for demo X 1m.");
    expect(errorMessage(new TypeError("Failed to fetch"))).toMatch(/Cannot reach the Keyflow server/);
    expect(errorMessage(null)).toBe("Something went wrong.");
  });
});
