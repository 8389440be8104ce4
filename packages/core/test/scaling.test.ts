// Scaling in and out (docs/fills.md, "Scaling in and out"): take-profit steps, safety orders, a
// maximum position, each against numbers worked out by hand.
import { describe, expect, it } from "vitest";
import { backtest, compile, Session, type FlowGraph } from "../src";
import { candlesFrom, thresholdFlow } from "./fixtures";

type Row = readonly [number, number, number, number];
type Risk = [string, string, Record<string, unknown>];

function run(flow: FlowGraph, rows: readonly Row[]) {
  const r = compile(flow);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const candles = candlesFrom(rows);
  const result = backtest(r.spec, candles, flow.settings);
  // A paper bot steps a Session bar by bar: it must trade exactly like the backtest's loop.
  const session = new Session(r.spec, flow.settings);
  for (let i = 0; i < candles.length; i++) session.step(candles.time[i]!, candles.open[i]!, candles.high[i]!, candles.low[i]!, candles.close[i]!, 0);
  expect(session.broker.trades).toEqual(result.trades);
  return { result, candles };
}

// Buy signal on bar 2's close (crosses above 105); entry at bar 3's open of 100.
const ENTRY: Row[] = [
  [100, 100, 100, 100],
  [100, 100, 100, 100],
  [100, 110, 100, 110],
  [100, 101, 99.5, 100],
];
const flow = (risk: Risk[], opts: { size?: Record<string, unknown>; down?: number; feeRate?: number } = {}) =>
  thresholdFlow(105, opts.down ?? 10, {
    entry: ["buy", "buy", opts.size ?? { sizeMode: "percentEquity", size: 100 }],
    risk,
    settings: { feeRate: opts.feeRate ?? 0 },
  });
const twoSteps: Risk[] = [
  ["tp1", "partialTakeProfit", { pct: 3, sellPct: 50 }],
  ["tp", "takeProfit", { pct: 6 }],
];

describe("take-profit in steps", () => {
  it("sells half at +3 % and the rest at +6 %: one trade row per exit, each with its quantity", () => {
    const { result, candles } = run(flow(twoSteps), [...ENTRY, [100, 104, 99, 103.5], [103, 107, 102, 106]]);
    // 10,000 buys 100 at 100; 50 sold at 103 (+150), 50 at 106 (+300).
    expect(result.trades).toHaveLength(2);
    expect(result.trades[0]).toMatchObject({ entryTime: candles.time[3], entryPrice: 100, exitTime: candles.time[4], qty: 50, exitReason: "takeProfit" });
    expect(result.trades[0]!.exitPrice).toBeCloseTo(103, 9);
    expect(result.trades[0]!.pnl).toBeCloseTo(150, 9);
    expect(result.trades[0]!.returnPct).toBeCloseTo(3, 9);
    expect(result.trades[1]).toMatchObject({ entryTime: candles.time[3], entryPrice: 100, exitTime: candles.time[5], qty: 50, exitReason: "takeProfit" });
    expect(result.trades[1]!.pnl).toBeCloseTo(300, 9);
    expect(result.metrics.finalEquity).toBeCloseTo(10_450, 9);
    expect(result.metrics.trades).toBe(2);
    expect(result.openPosition).toBeNull();
  });

  it("takes both steps inside one bar, the lower first", () => {
    const { result, candles } = run(flow(twoSteps), [...ENTRY, [100, 107, 99, 106]]);
    expect(result.trades.map((t) => [t.exitTime, t.qty, Number(t.exitPrice.toFixed(9))])).toEqual([
      [candles.time[4], 50, 103],
      [candles.time[4], 50, 106],
    ]);
  });

  it("fills a step the bar opens above at the open, and shares the entry fee in proportion", () => {
    const fee = 0.001;
    const { result } = run(flow(twoSteps, { feeRate: fee }), [...ENTRY, [100, 101, 99, 100], [104, 105, 103.5, 104]]);
    const qty = 10_000 / (100 * (1 + fee));
    const entryFee = qty * 100 * fee;
    const sold = qty / 2;
    const exitFee = sold * 104 * fee;
    expect(result.trades).toHaveLength(1);
    const t = result.trades[0]!;
    expect(t.qty).toBeCloseTo(sold, 12);
    expect(t.exitPrice).toBe(104);
    expect(t.fees).toBeCloseTo(entryFee / 2 + exitFee, 9);
    expect(t.pnl).toBeCloseTo(sold * 104 - exitFee - (sold * 100 + entryFee / 2), 9);
    // Half is still held, with the other half of the entry fee in its cost.
    expect(result.openPosition!.qty).toBeCloseTo(qty - sold, 12);
    expect(result.openPosition!.fees).toBeCloseTo(entryFee / 2, 9);
  });

  it("sells what a step left on a sell signal", () => {
    // Closes below 99 on bar 4: the rest goes at bar 5's open.
    const { result } = run(flow(twoSteps, { down: 99 }), [...ENTRY, [100, 104, 99, 103.5], [103, 104, 97, 98], [98, 99, 97, 98]]);
    expect(result.trades.map((t) => [t.qty, t.exitPrice, t.exitReason])).toEqual([
      [50, expect.closeTo(103, 9), "takeProfit"],
      [50, 98, "signal"],
    ]);
    expect(result.metrics.finalEquity).toBeCloseTo(10_000 + 150 - 100, 9);
  });
});

describe("safety orders (DCA)", () => {
  const dca = (count: number, extra: Risk[] = []): Risk[] => [["so", "safetyOrders", { count, stepPct: 5, sizeMode: "quote", size: 1000, scale: 1 }], ...extra];
  const base = { size: { sizeMode: "quote", size: 1000 } };

  it("buys more 5 % below the first fill and takes profit from the average entry price", () => {
    const { result } = run(flow(dca(2, [["tp", "takeProfit", { pct: 3 }]]), base), [...ENTRY, [99, 99, 94, 95], [95, 101, 95, 100]]);
    // 10 at 100, then 1000 / 95 at 95: average 2000 / (10 + 1000/95); target 3 % above it.
    const qty = 10 + 1000 / 95;
    const avg = 2000 / qty;
    expect(result.trades).toHaveLength(1);
    const t = result.trades[0]!;
    expect(t.qty).toBeCloseTo(qty, 12);
    expect(t.entryPrice).toBeCloseTo(avg, 12);
    expect(t.exitPrice).toBeCloseTo(avg * 1.03, 9);
    expect(t.pnl).toBeCloseTo(60, 9);
    expect(t.returnPct).toBeCloseTo(3, 9);
  });

  it("does not buy on a bar that only touches the level (the low must trade through it)", () => {
    const { result } = run(flow(dca(2), base), [...ENTRY, [99, 99, 95, 96]]);
    expect(result.openPosition!.qty).toBe(10);
  });

  it("buys at the open when the bar opens below the level, and at most `count` times", () => {
    const { result } = run(flow(dca(2), base), [...ENTRY, [93, 94, 92, 93], [89, 89, 70, 75]]);
    // 93 (opened below 95), then 89 (opened below 90); no third order.
    const qty = 10 + 1000 / 93 + 1000 / 89;
    expect(result.openPosition!.qty).toBeCloseTo(qty, 12);
    expect(result.openPosition!.entryPrice).toBeCloseTo(3000 / qty, 12);
  });

  it("moves the stop with the average: an add and the stop it then meets in one bar", () => {
    const { result } = run(flow(dca(1, [["sl", "stopLoss", { pct: 10 }]]), base), [...ENTRY, [96, 97, 85, 86]]);
    const qty = 10 + 1000 / 95;
    const avg = 2000 / qty;
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]).toMatchObject({ qty: expect.closeTo(qty, 12), exitReason: "stopLoss" });
    expect(result.trades[0]!.exitPrice).toBeCloseTo(avg * 0.9, 9);
    expect(result.trades[0]!.pnl).toBeCloseTo(-200, 9);
  });

  it("meets a stop above the next level first: no add", () => {
    const { result } = run(flow(dca(1, [["sl", "stopLoss", { pct: 3 }]]), base), [...ENTRY, [99, 99, 90, 91]]);
    expect(result.trades[0]).toMatchObject({ qty: 10, exitPrice: expect.closeTo(97, 9), exitReason: "stopLoss" });
  });

  it("sizes each order × scale of the one before", () => {
    const so: Risk = ["so", "safetyOrders", { count: 2, stepPct: 5, sizeMode: "quote", size: 1000, scale: 2 }];
    const { result } = run(flow([so], base), [...ENTRY, [99, 99, 89, 90]]);
    expect(result.openPosition!.qty).toBeCloseTo(10 + 1000 / 95 + 2000 / 90, 12);
  });

  it("stops at the maximum position: the order reaching it buys only the room left", () => {
    const { result } = run(flow(dca(3, [["max", "maxPosition", { mode: "quote", value: 2500 }]]), base), [...ENTRY, [99, 99, 80, 81]]);
    // 1000 at 100, 1000 at 95, 500 of room at 90, nothing at 85.
    const p = result.openPosition!;
    expect(p.qty).toBeCloseTo(10 + 1000 / 95 + 500 / 90, 12);
    expect(p.qty * p.entryPrice).toBeCloseTo(2500, 9);
  });

  it("caps the entry itself at the maximum position (base quantity)", () => {
    const { result } = run(flow([["max", "maxPosition", { mode: "base", value: 25 }]]), [...ENTRY, [100, 101, 99, 100]]);
    expect(result.openPosition!.qty).toBe(25);
  });

  it("scales in and out in one position: steps from the new average", () => {
    const { result } = run(flow(dca(1, twoSteps), base), [...ENTRY, [99, 99, 94, 95], [95, 110, 95, 109]]);
    const qty = 10 + 1000 / 95;
    const avg = 2000 / qty;
    expect(result.trades.map((t) => [t.qty, t.exitPrice])).toEqual([
      [expect.closeTo(qty / 2, 12), expect.closeTo(avg * 1.03, 9)],
      [expect.closeTo(qty / 2, 12), expect.closeTo(avg * 1.06, 9)],
    ]);
    expect(result.metrics.finalEquity).toBeCloseTo(10_000 + 1000 * 0.03 + 1000 * 0.06, 9);
  });
});

describe("compiling scaling blocks", () => {
  it("refuses two take-profit steps at the same level", () => {
    const r = compile(flow([["a", "partialTakeProfit", { pct: 3, sellPct: 50 }], ["b", "partialTakeProfit", { pct: 3, sellPct: 20 }]]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([expect.objectContaining({ code: "conflict", nodeId: "b" })]);
  });

  it("refuses safety orders that would reach zero, at the field", () => {
    const r = compile(flow([["so", "safetyOrders", { count: 5, stepPct: 25, sizeMode: "quote", size: 100, scale: 1 }]]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ code: "badParam", nodeId: "so", param: "stepPct" });
  });
});

describe("compiling a step above the take-profit", () => {
  it("warns at the step's level that it never sells", () => {
    const r = compile(flow([["tp1", "partialTakeProfit", { pct: 8, sellPct: 50 }], ["tp", "takeProfit", { pct: 6 }]]));
    expect(r.ok).toBe(true);
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: "unreachedLevel", nodeId: "tp1", param: "pct" }));
    const below = compile(flow(twoSteps));
    expect(below.warnings.filter((w) => w.code === "unreachedLevel")).toEqual([]);
  });
});

describe("a step the adds moved below the open", () => {
  it("fills at its level on the way up, not at the open", () => {
    // 10 at 100 (1000), then 1000 at 95 and 1000 at 90 on the way down: average 3,000 / 31.6…; its
    // 3 % step (≈ 97.7) is below the bar's open of 99, reached again on the way up to 99.5.
    const so: Risk = ["so", "safetyOrders", { count: 2, stepPct: 5, sizeMode: "quote", size: 1000, scale: 1 }];
    const { result } = run(flow([so, ["tp1", "partialTakeProfit", { pct: 3, sellPct: 50 }]], { size: { sizeMode: "quote", size: 1000 } }), [...ENTRY, [99, 99.5, 89, 95]]);
    const qty = 10 + 1000 / 95 + 1000 / 90;
    const avg = 3000 / qty;
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]!.exitPrice).toBeCloseTo(avg * 1.03, 9);
    expect(result.trades[0]!.qty).toBeCloseTo(qty / 2, 12);
  });
});
