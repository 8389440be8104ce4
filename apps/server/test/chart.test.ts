import { backtest, compile, flowGraphSchema, generateDemoCandles } from "@keyflow/core";
import { describe, expect, it } from "vitest";
import { buildChart } from "../src/backtest/chart";

describe("results chart", () => {
  it("draws an overlay indicator's lines over the price but its 0/1 signal output in a pane", () => {
    const flow = flowGraphSchema.parse({
      format: "keyflow.flow",
      version: 2,
      name: "sar",
      market: { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" },
      settings: { initialCash: 10_000, feeRate: 0, slippage: 0 },
      nodes: [
        { id: "sar", kind: "sar", params: {}, position: { x: 0, y: 0 } },
        { id: "buy", kind: "buy", params: {}, position: { x: 0, y: 0 } },
      ],
      edges: [{ id: "e", source: "sar", sourceHandle: "long", target: "buy", targetHandle: "when" }],
    });
    const r = compile(flow);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const candles = generateDemoCandles({ seed: 1, timeframe: "1h", start: 1_700_000_000_000, bars: 500 });
    const res = backtest(r.spec, candles, { initialCash: 10_000, feeRate: 0, slippage: 0 }, { record: true });
    const chart = buildChart({ candles, timeframeMs: 3_600_000, equity: res.equity, series: res.series, spec: r.spec, nodeIds: r.nodeIds });
    expect(chart.indicators.map((l) => [l.port, l.pane])).toEqual([
      ["value", "overlay"],
      ["long", "pane"],
    ]);
  });
});
