import { describe, expect, it } from "vitest";
import { getTemplate, outputLabel, thresholdsOf } from "../src";

describe("what a chart says about a recorded output", () => {
  it("finds the constant levels a flow compares an oscillator with", () => {
    const flow = getTemplate("rsi-reversion")!.flow;
    expect(thresholdsOf(flow, "rsi", "value")).toEqual([30, 70]);
    expect(thresholdsOf(flow, "close", "value")).toEqual([]);
  });

  it("ignores a math block's constant: it is an operand, not a level", () => {
    const flow = structuredClone(getTemplate("rsi-reversion")!.flow);
    flow.nodes.push({ id: "plus", kind: "add", position: { x: 0, y: 0 }, params: { value: 5 } });
    flow.edges.push({ id: "e-plus", source: "rsi", sourceHandle: "value", target: "plus", targetHandle: "a" });
    expect(thresholdsOf(flow, "rsi", "value")).toEqual([30, 70]);
  });

  it("names recorded outputs after the block and its params", () => {
    expect(outputLabel(getTemplate("sma-cross")!.flow, "fast", "value")).toBe("SMA 10");
    const macd = getTemplate("macd-trend")!.flow;
    expect(outputLabel(macd, macd.nodes.find((n) => n.kind === "macd")!.id, "signal")).toBe("MACD 12/26/9 · Signal");
  });
});
