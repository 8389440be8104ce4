import { allocCandles, type Candles } from "../src/data/candles";
import type { FlowGraph, FlowGraphInput } from "../src/flow/schema";
import { flowGraphSchema } from "../src/flow/schema";

/** Candles from [open, high, low, close] rows, one hour apart. */
export function candlesFrom(rows: readonly (readonly [number, number, number, number])[], start = 1_700_000_000_000): Candles {
  const c = allocCandles(rows.length);
  rows.forEach(([o, h, l, cl], i) => {
    c.time[i] = start + i * 3_600_000;
    c.open[i] = o;
    c.high[i] = h;
    c.low[i] = l;
    c.close[i] = cl;
    c.volume[i] = 1;
  });
  return c;
}

/** Candles whose open, high, low and close all equal the given closes. */
export function flatCandles(closes: readonly number[]): Candles {
  return candlesFrom(closes.map((x) => [x, x, x, x] as const));
}

type NodeSpec = [id: string, kind: string, params?: Record<string, unknown>];
type EdgeSpec = [source: string, sourceHandle: string, target: string, targetHandle: string];

export function makeFlow(nodes: NodeSpec[], edges: EdgeSpec[], settings: FlowGraphInput["settings"] = {}): FlowGraph {
  return flowGraphSchema.parse({
    format: "keyflow.flow",
    version: 2,
    name: "test",
    market: { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" },
    settings: { initialCash: 10_000, feeRate: 0, slippage: 0, ...settings },
    nodes: nodes.map(([id, kind, params], i) => ({ id, kind, params: params ?? {}, position: { x: i * 10, y: 0 } })),
    edges: edges.map(([source, sourceHandle, target, targetHandle], i) => ({ id: `e${i}`, source, sourceHandle, target, targetHandle })),
  });
}

/**
 * Buy when the close crosses above `up`, sell when it crosses below `down`, with optional risk
 * blocks on the entry: signals driven directly by prices, so tests can script every trade.
 */
export function thresholdFlow(
  up: number,
  down: number,
  opts: { entry?: NodeSpec; risk?: NodeSpec[]; settings?: FlowGraphInput["settings"] } = {},
): FlowGraph {
  const entry = opts.entry ?? ["buy", "buy", { sizeMode: "percentEquity", size: 100 }];
  const risk = opts.risk ?? [];
  return makeFlow(
    [["close", "price", { field: "close" }], ["up", "crossAbove", { value: up }], ["down", "crossBelow", { value: down }], entry, ["sell", "sell"], ...risk],
    [
      ["close", "value", "up", "a"],
      ["close", "value", "down", "a"],
      ["up", "signal", entry[0], "when"],
      ["down", "signal", "sell", "when"],
      ...risk.map(([id]) => [entry[0], "order", id, "order"] as EdgeSpec),
    ],
    opts.settings,
  );
}
