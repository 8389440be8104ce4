import { describe, expect, it } from "vitest";
import { allocCandles } from "../data/candles";
import type { Metrics, Trade } from "../engine/result";
import { parseResultBundle, RESULT_FORMAT } from "./bundle";
import { candleChecks, firstDifferingCheck } from "./candleChecks";
import { compareOutcomes, describeDivergence } from "./compareOutcomes";

function candles(n: number) {
  const c = allocCandles(n);
  for (let i = 0; i < n; i++) {
    c.time[i] = 1_700_000_000_000 + i * 3_600_000;
    c.open[i] = 100 + i;
    c.high[i] = 101 + i;
    c.low[i] = 99 + i;
    c.close[i] = 100.5 + i;
    c.volume[i] = 10 * i;
  }
  return c;
}

describe("candle checks", () => {
  it("locate the first candle that differs in any field, or a candle one side lacks", () => {
    const a = candles(500);
    const checks = candleChecks(a);
    expect(checks).toHaveLength(500 * 4);
    expect(firstDifferingCheck(checks, candleChecks(candles(500)))).toBe(-1);
    for (const [field, i] of [["close", 321], ["volume", 7], ["time", 0], ["high", 499]] as const) {
      const b = candles(500);
      b[field][i] = b[field][i]! + (field === "time" ? 1 : 1e-9);
      expect(firstDifferingCheck(checks, candleChecks(b))).toBe(i);
    }
    expect(firstDifferingCheck(checks, candleChecks(candles(480)))).toBe(480);
  });
});

const trade = (i: number): Trade => ({ side: "long", entryTime: i * 1000, entryPrice: 10 + i, exitTime: i * 1000 + 500, exitPrice: 11 + i, qty: 1, pnl: 1, fees: 0.01, returnPct: 5, exitReason: "signal" });
const metrics = { totalReturnPct: 12.5, trades: 3, sharpe: 1.2 } as unknown as Metrics;

describe("compareOutcomes", () => {
  const base = { metrics, trades: [trade(1), trade(2), trade(3)], openPosition: null };
  it("finds nothing between identical results", () => {
    expect(compareOutcomes(base, structuredClone(base))).toBeNull();
  });
  it("names the first diverging trade before any metric", () => {
    const other = structuredClone(base);
    other.trades[1]!.exitPrice = 99;
    other.metrics.totalReturnPct = 1;
    const d = compareOutcomes(base, other)!;
    expect(d).toMatchObject({ kind: "trade", index: 1, field: "exitPrice", expected: 13, actual: 99, at: 2000 });
    expect(describeDivergence(d)).toMatch(/^Trade 2 \(entered .*\) differs first: its exitPrice is 13 in the recorded result and 99 in this run\.$/);
  });
  it("reports a missing trade and a metric that alone differs", () => {
    expect(compareOutcomes(base, { ...base, trades: base.trades.slice(0, 2) })).toMatchObject({ kind: "tradeCount", expected: 3, actual: 2, at: 3000 });
    expect(compareOutcomes(base, { ...base, metrics: { ...metrics, sharpe: 1.3 } })).toMatchObject({ kind: "metric", field: "sharpe" });
  });
});

describe("parseResultBundle", () => {
  it("refuses other documents and newer formats with what to do", () => {
    expect(parseResultBundle({ format: "keyflow.flow" })).toMatchObject({ ok: false, errors: [expect.stringMatching(/not a Keyflow result/)] });
    expect(parseResultBundle({ format: RESULT_FORMAT, version: 9 })).toMatchObject({ ok: false, errors: [expect.stringMatching(/newer Keyflow.*Update/)] });
    expect(parseResultBundle({ format: RESULT_FORMAT, version: 1, template: {} })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^template: /)] });
  });
});
