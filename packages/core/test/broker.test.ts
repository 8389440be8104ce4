import { describe, expect, it } from "vitest";
import { backtest, compile, Session, type FlowGraph } from "../src";
import { candlesFrom, thresholdFlow } from "./fixtures";

function run(flow: FlowGraph, rows: Parameters<typeof candlesFrom>[0]) {
  const r = compile(flow);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const candles = candlesFrom(rows);
  return { result: backtest(r.spec, candles, flow.settings), candles };
}

// Closes cross above 102 on bar 2 and below 98 on bar 5.
const CROSS_ROWS = [
  [100, 101, 99, 100],
  [100, 101, 99, 100],
  [100, 106, 99, 105],
  [105.5, 108, 105, 106],
  [106, 108, 105, 107],
  [107, 107, 94, 95],
  [94, 97, 93, 96],
  [96, 98, 95, 97],
] as const;

describe("simulated broker: market orders", () => {
  it("decides on the close of bar i and fills at the open of bar i+1", () => {
    const { result, candles } = run(thresholdFlow(102, 98), CROSS_ROWS);
    expect(result.trades).toHaveLength(1);
    const t = result.trades[0]!;
    expect(t.entryTime).toBe(candles.time[3]);
    expect(t.entryPrice).toBe(105.5);
    expect(t.exitTime).toBe(candles.time[6]);
    expect(t.exitPrice).toBe(94);
    expect(t.qty).toBeCloseTo(10_000 / 105.5, 12);
    expect(t.pnl).toBeCloseTo((10_000 / 105.5) * (94 - 105.5), 9);
    expect(t.exitReason).toBe("signal");
    expect(result.openPosition).toBeNull();
  });

  it("holds one position at a time: an entry signal while long is ignored", () => {
    // Crosses above 102 on bar 2 (entry at bar 3's open), dips to 101 and crosses again on bar 5.
    const rows = [[100, 101, 99, 100], [100, 101, 99, 100], [100, 106, 99, 105], [105, 106, 100, 101], [101, 102, 100, 101], [101, 106, 100, 105], [105, 106, 104, 105]] as const;
    const { result, candles } = run(thresholdFlow(102, 98), rows);
    expect(result.trades).toHaveLength(0);
    expect(result.openPosition).toMatchObject({ entryTime: candles.time[3], entryPrice: 105 });
  });

  it("charges fees on entry and exit as a fraction of traded value and never overspends", () => {
    const fee = 0.001;
    const { result } = run(thresholdFlow(102, 98, { settings: { feeRate: fee } }), CROSS_ROWS);
    const t = result.trades[0]!;
    const qty = 10_000 / (105.5 * (1 + fee));
    expect(t.qty).toBeCloseTo(qty, 12);
    const entryFee = qty * 105.5 * fee;
    const exitFee = qty * 94 * fee;
    expect(t.fees).toBeCloseTo(entryFee + exitFee, 9);
    expect(result.metrics.fees).toBeCloseTo(entryFee + exitFee, 9);
    expect(result.metrics.finalEquity).toBeCloseTo(qty * 94 - exitFee, 6);
    expect(t.pnl).toBeCloseTo(qty * 94 - exitFee - 10_000, 6);
  });

  it("applies slippage against the trader on market fills", () => {
    const { result } = run(thresholdFlow(102, 98, { settings: { slippage: 0.01 } }), CROSS_ROWS);
    expect(result.trades[0]!.entryPrice).toBeCloseTo(105.5 * 1.01, 12);
    expect(result.trades[0]!.exitPrice).toBeCloseTo(94 * 0.99, 12);
  });

  it("reports a position still open at the end, marked to the last close, without closing it", () => {
    const rows = CROSS_ROWS.slice(0, 5);
    const { result, candles } = run(thresholdFlow(102, 98), rows);
    expect(result.trades).toHaveLength(0);
    const p = result.openPosition!;
    expect(p.entryPrice).toBe(105.5);
    expect(p.markPrice).toBe(107);
    expect(p.markTime).toBe(candles.time[4]);
    expect(result.metrics.finalEquity).toBeCloseTo((10_000 / 105.5) * 107, 9);
    expect(p.unrealizedPnl).toBeCloseTo((10_000 / 105.5) * 107 - 10_000, 9);
  });
});

// Buy signal on bar 2's close (crosses above 105); entry at bar 3's open of 100.
const ENTRY = [
  [100, 100, 100, 100],
  [100, 100, 100, 100],
  [100, 110, 100, 110],
  [100, 101, 99, 100],
] as const;
const risky = (...risk: [string, string, Record<string, unknown>][]) => thresholdFlow(105, 10, { risk });

describe("simulated broker: stops within the bar", () => {
  it("fills a stop-loss at the open when the price gaps through it", () => {
    const { result, candles } = run(risky(["sl", "stopLoss", { pct: 5 }]), [...ENTRY, [90, 92, 85, 91]]);
    expect(result.trades[0]).toMatchObject({ entryPrice: 100, exitPrice: 90, exitReason: "stopLoss", exitTime: candles.time[4] });
  });

  it("fills a stop-loss at its level when the bar trades through it", () => {
    const { result } = run(risky(["sl", "stopLoss", { pct: 5 }]), [...ENTRY, [99, 100, 94, 96]]);
    expect(result.trades[0]).toMatchObject({ exitPrice: expect.closeTo(95, 9), exitReason: "stopLoss" });
  });

  it("assumes the stop hit first when stop and target are both inside one bar", () => {
    const { result } = run(risky(["sl", "stopLoss", { pct: 5 }], ["tp", "takeProfit", { pct: 10 }]), [...ENTRY, [100, 115, 90, 100]]);
    expect(result.trades[0]).toMatchObject({ exitPrice: expect.closeTo(95, 9), exitReason: "stopLoss" });
  });

  it("takes profit at the target within the bar, and at the open on a gap up", () => {
    const tp = risky(["sl", "stopLoss", { pct: 5 }], ["tp", "takeProfit", { pct: 10 }]);
    expect(run(tp, [...ENTRY, [100, 112, 99, 111]]).result.trades[0]).toMatchObject({ exitPrice: expect.closeTo(110, 9), exitReason: "takeProfit" });
    expect(run(tp, [...ENTRY, [115, 116, 114, 115]]).result.trades[0]).toMatchObject({ exitPrice: 115, exitReason: "takeProfit" });
  });

  it("takes profit at the open when the bar gaps over the target, even if it then falls through the stop", () => {
    const tp = risky(["sl", "stopLoss", { pct: 5 }], ["tp", "takeProfit", { pct: 10 }]);
    // Opens at 112 (over the 110 target), then trades down to 90 (under the 95 stop).
    expect(run(tp, [...ENTRY, [112, 113, 90, 92]]).result.trades[0]).toMatchObject({ exitPrice: 112, exitReason: "takeProfit" });
  });

  it("charges slippage on stops and on gap fills, but not on a target reached within the bar", () => {
    const tp = risky(["sl", "stopLoss", { pct: 5 }], ["tp", "takeProfit", { pct: 10 }]);
    const slip = { ...tp, settings: { ...tp.settings, slippage: 0.01 } };
    // Entry at the open of bar 3 pays slippage too: 100 × 1.01 = 101; stop 95.95, target 111.1.
    expect(run(slip, [...ENTRY, [100, 101, 90, 92]]).result.trades[0]).toMatchObject({ exitPrice: expect.closeTo(101 * 0.95 * 0.99, 9), exitReason: "stopLoss" });
    expect(run(slip, [...ENTRY, [100, 112, 99, 111]]).result.trades[0]).toMatchObject({ exitPrice: expect.closeTo(111.1, 9), exitReason: "takeProfit" });
    expect(run(slip, [...ENTRY, [115, 116, 114, 115]]).result.trades[0]).toMatchObject({ exitPrice: expect.closeTo(115 * 0.99, 9), exitReason: "takeProfit" });
  });

  it("trails the stop below the highest high since entry", () => {
    const { result } = run(risky(["tr", "trailingStop", { pct: 5 }]), [...ENTRY, [101, 120, 100, 119], [119, 119, 113, 115]]);
    // Peak after bar 4 is 120, so the trailing level on bar 5 is 114.
    expect(result.trades[0]).toMatchObject({ exitPrice: expect.closeTo(114, 9), exitReason: "trailingStop" });
  });

  it("checks stops on the entry bar itself (a market entry fills at that bar's open)", () => {
    const { result } = run(risky(["sl", "stopLoss", { pct: 5 }]), [...ENTRY.slice(0, 3), [100, 101, 90, 92]]);
    expect(result.trades[0]).toMatchObject({ entryPrice: 100, exitPrice: expect.closeTo(95, 9), exitReason: "stopLoss" });
  });
});

describe("simulated broker: limit entries", () => {
  const limit = (validBars: number) =>
    thresholdFlow(105, 10, { entry: ["buy", "limitBuy", { offsetPct: 2, validBars, sizeMode: "percentEquity", size: 100 }] });
  // Signal on bar 2 (close 110): limit at 107.8.
  const SIGNAL = ENTRY.slice(0, 3);

  it("fills when a later bar trades through the limit price", () => {
    const { result, candles } = run(limit(2), [...SIGNAL, [111, 112, 108, 111], [109, 110, 107, 108]]);
    expect(result.openPosition).toMatchObject({ entryPrice: expect.closeTo(107.8, 9), entryTime: candles.time[4] });
  });

  it("does not fill on a bar that only touches the limit price", () => {
    const touch = 110 * (1 - 0.02);
    const { result } = run(limit(1), [...SIGNAL, [111, 112, touch, 111]]);
    expect(result.openPosition).toBeNull();
  });

  it("fills on a touch when the block says so (backtesting.py's rule), at the limit", () => {
    const touchFlow = thresholdFlow(105, 10, { entry: ["buy", "limitBuy", { offsetPct: 2, validBars: 1, fill: "touch", sizeMode: "percentEquity", size: 100 }] });
    const { result, candles } = run(touchFlow, [...SIGNAL, [111, 112, 110 * (1 - 0.02), 111]]);
    expect(result.openPosition).toMatchObject({ entryPrice: expect.closeTo(107.8, 9), entryTime: candles.time[3] });
    // Above the limit is still no fill.
    expect(run(touchFlow, [...SIGNAL, [111, 112, 108, 111]]).result.openPosition).toBeNull();
  });

  it("is cancelled by a sell signal while it waits", () => {
    // Limit 107.8 waits on bar 3; bar 3 closes at 9, under the sell level 10; bar 4 would have filled it.
    const { result } = run(limit(3), [...SIGNAL, [111, 112, 108, 9], [100, 101, 99, 100]]);
    expect(result.openPosition).toBeNull();
    expect(result.trades).toHaveLength(0);
  });

  it("fills at the open when the bar opens below the limit", () => {
    const { result } = run(limit(2), [...SIGNAL, [105, 106, 104, 105]]);
    expect(result.openPosition).toMatchObject({ entryPrice: 105 });
  });

  it("assumes the worse on the fill bar: a stop or trailing stop inside the same bar is hit after the fill", () => {
    const withRisk = (risk: [string, string, Record<string, unknown>]) =>
      thresholdFlow(105, 10, { entry: ["buy", "limitBuy", { offsetPct: 2, validBars: 2, sizeMode: "percentEquity", size: 100 }], risk: [risk] });
    // Limit 107.8 fills; the same bar falls to 100.
    const bar = [111, 112, 100, 104] as const;
    expect(run(withRisk(["sl", "stopLoss", { pct: 5 }]), [...SIGNAL, bar]).result.trades[0]).toMatchObject({
      exitPrice: expect.closeTo(107.8 * 0.95, 9),
      exitReason: "stopLoss",
    });
    expect(run(withRisk(["tr", "trailingStop", { pct: 3 }]), [...SIGNAL, bar]).result.trades[0]).toMatchObject({
      exitPrice: expect.closeTo(107.8 * 0.97, 9),
      exitReason: "trailingStop",
    });
  });

  it("is cancelled after its valid bars", () => {
    const { result } = run(limit(1), [...SIGNAL, [111, 112, 108, 111], [100, 101, 99, 100]]);
    expect(result.openPosition).toBeNull();
    expect(result.trades).toHaveLength(0);
  });
});

describe("position sizing", () => {
  const sized = (sizeMode: string, size: number) =>
    thresholdFlow(102, 98, { entry: ["buy", "buy", { sizeMode, size }], settings: { feeRate: 0.001 } });

  it("spends a quote amount including the fee", () => {
    const t = run(sized("quote", 1000), CROSS_ROWS).result.trades[0]!;
    expect(t.qty * 105.5 * 1.001).toBeCloseTo(1000, 9);
  });

  it("buys a base quantity, capped by the cash available", () => {
    expect(run(sized("base", 2), CROSS_ROWS).result.trades[0]!.qty).toBe(2);
    const capped = run(sized("base", 1000), CROSS_ROWS).result.trades[0]!;
    expect(capped.qty * 105.5 * 1.001).toBeCloseTo(10_000, 6);
  });

  it("never lets cash go negative over thousands of trades with fees and slippage", () => {
    const flow = thresholdFlow(100, 100, { settings: { feeRate: 0.01, slippage: 0.005 } });
    const r = compile(flow);
    if (!r.ok) throw new Error("compile");
    const s = new Session(r.spec, flow.settings);
    let x = 100;
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const noise = (seed / 2147483648 - 0.5) * 4;
      const o = x;
      x = 100 + 8 * Math.sin(i / 7) + noise; // oscillates through the 100 threshold
      s.step(i, o, Math.max(o, x) + 1, Math.min(o, x) - 0.5, x, 1);
      expect(s.broker.cash).toBeGreaterThanOrEqual(0);
    }
    expect(s.broker.trades.length).toBeGreaterThan(100);
  });
});
