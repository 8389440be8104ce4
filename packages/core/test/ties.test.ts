import { describe, expect, it } from "vitest";
import { backtest, compile, getTemplate, type Candles, type FlowGraph } from "../src";
import { generatedYear1m } from "../bench/generatedYear";
import { handSmaCross, type HandTrade } from "../bench/handwritten";
import { vectorisedSmaCross } from "../bench/vectorised";
import { flatCandles, makeFlow, thresholdFlow } from "./fixtures";

/**
 * SMA(10)/SMA(20) cross entry and exit times computed exactly: the closes are whole cents, so
 * 20 × (SMA10 − SMA20) = 2 × (sum of 10 closes) − (sum of 20 closes) in integer cents, with no rounding.
 * A cross is TradingView's: above now, at or below on the bar before; fills at the next open.
 */
function exactSmaCrossTimes(c: Candles): [number, number][] {
  const cents = Array.from(c.close, (x) => Math.round(x * 100));
  for (let i = 0; i < c.length; i++) if (cents[i]! / 100 !== c.close[i]) throw new Error(`close ${i} is not whole cents`);
  const out: [number, number][] = [];
  let s10 = 0;
  let s20 = 0;
  let prev = NaN;
  let pending: "buy" | "sell" | null = null;
  let entry: number | null = null;
  for (let i = 0; i < c.length; i++) {
    if (pending === "buy") entry = c.time[i]!;
    if (pending === "sell") {
      out.push([entry!, c.time[i]!]);
      entry = null;
    }
    pending = null;
    s10 += cents[i]! - (i >= 10 ? cents[i - 10]! : 0);
    s20 += cents[i]! - (i >= 20 ? cents[i - 20]! : 0);
    const d = i >= 19 ? Math.sign(2 * s10 - s20) : NaN;
    if (entry === null && prev <= 0 && d > 0) pending = "buy";
    if (entry !== null && prev >= 0 && d < 0) pending = "sell";
    prev = d;
  }
  return out;
}

describe("ties between series (the bench's generated year of 1m candles)", () => {
  const candles = generatedYear1m();

  it.each([
    ["sma-cross", 0],
    ["sma-cross-rsi-filter", 14],
  ] as const)("%s: the engine, the hand-written loop and the vectorised baseline agree trade for trade", (id, rsi) => {
    const flow = getTemplate(id)!.flow;
    const r = compile(flow);
    if (!r.ok) throw new Error(id);
    const engine = backtest(r.spec, candles, flow.settings).trades;
    const hand = handSmaCross(candles, 10, 20, flow.settings.initialCash, flow.settings.feeRate, rsi).trades;
    const vec = vectorisedSmaCross(candles, 10, 20, flow.settings.initialCash, flow.settings.feeRate, rsi);
    const rows = (ts: readonly HandTrade[]) => ts.map((t) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.qty]);
    expect(engine.length).toBeGreaterThan(14_000);
    expect(rows(engine)).toEqual(rows(hand));
    expect(rows(vec)).toEqual(rows(hand));
  });

  it("sma-cross: the engine trades at the bars exact integer arithmetic gives, exact ties included", () => {
    const flow = getTemplate("sma-cross")!.flow;
    const r = compile(flow);
    if (!r.ok) throw new Error("sma-cross");
    const engine = backtest(r.spec, candles, flow.settings).trades.map((t) => [t.entryTime, t.exitTime]);
    const exact = exactSmaCrossTimes(candles);
    expect(exact).toHaveLength(14_474);
    expect(engine).toEqual(exact);
  });
});

describe("comparisons treat values within rounding noise as equal", () => {
  // 0.1 + 0.2 is 0.30000000000000004 in doubles: equal to 0.3 in decimal arithmetic.
  const nearlyPoint3 = 0.1 + 0.2;

  function entryBar(flow: FlowGraph, closes: number[]): number {
    const r = compile(flow);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const candles = flatCandles(closes);
    const open = backtest(r.spec, candles, flow.settings).openPosition;
    return open ? candles.time.indexOf(open.entryTime) : -1;
  }

  it("crosses above from equality: at the level, then above, is a cross on the bar above", () => {
    // Decided on bar 2 (0.4 > 0.3 after 0.3 ≤ 0.3), filled at the open of bar 3.
    expect(entryBar(thresholdFlow(0.3, 0.1), [0.2, nearlyPoint3, 0.4, 0.5, 0.5])).toBe(3);
  });

  it("crosses only from strictly below when the block asks for it (backtesting.py's crossover)", () => {
    const strict = (up: number, down: number) =>
      makeFlow(
        [["close", "price", { field: "close" }], ["up", "crossAbove", { value: up, strict: true }], ["down", "crossBelow", { value: down, strict: true }], ["buy", "buy"], ["sell", "sell"]],
        [["close", "value", "up", "a"], ["close", "value", "down", "a"], ["up", "signal", "buy", "when"], ["down", "signal", "sell", "when"]],
      );
    // From exactly the level: no cross, so no entry at all.
    expect(entryBar(strict(0.3, 0.1), [0.2, nearlyPoint3, 0.4, 0.5, 0.5])).toBe(-1);
    // From below: the same bar as the default.
    expect(entryBar(strict(0.3, 0.1), [0.2, 0.25, 0.4, 0.5, 0.5])).toBe(3);
    expect(entryBar(thresholdFlow(0.3, 0.1), [0.2, 0.25, 0.4, 0.5, 0.5])).toBe(3);
    // Down from exactly the sell level: a cross below by default, none when strict.
    const closes = [0.2, 0.4, 0.5, 0.1, 0.05, 0.05];
    const sells = (flow: FlowGraph) => {
      const r = compile(flow);
      if (!r.ok) throw new Error("compile");
      return backtest(r.spec, flatCandles(closes), flow.settings).trades.length;
    };
    expect(sells(thresholdFlow(0.3, 0.1))).toBe(1);
    expect(sells(strict(0.3, 0.1))).toBe(0);
  });

  it("a cross needs a value on the bar before: the first bar after warm-up never crosses", () => {
    // SMA(3) has its first value on bar 2 (10.67), with the close above it; bar 1 had no SMA.
    const flow = makeFlow(
      [["close", "price", { field: "close" }], ["sma", "sma", { period: 3 }], ["up", "crossAbove"], ["buy", "buy"]],
      [["close", "value", "sma", "source"], ["close", "value", "up", "a"], ["sma", "value", "up", "b"], ["up", "signal", "buy", "when"]],
    );
    expect(entryBar(flow, [1, 1, 30, 30, 30])).toBe(-1);
  });

  it("greater than is false at equality within rounding noise", () => {
    const flow = makeFlow(
      [["close", "price", { field: "close" }], ["gt", "greaterThan", { value: 0.3 }], ["buy", "buy"]],
      [["close", "value", "gt", "a"], ["gt", "signal", "buy", "when"]],
    );
    expect(entryBar(flow, [nearlyPoint3, nearlyPoint3, 0.30000000001, 0.4])).toBe(3);
  });
});
