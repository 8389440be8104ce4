import { describe, expect, it } from "vitest";
import { backtest, compile, computeMetrics, formatSpacing, getTemplate, medianSpacingMs, type MetricsInput, type Trade } from "../src";
import { candlesFrom } from "./fixtures";
import { describeWithSharedCsv } from "./describeWithSharedCsv";

const DAY = 86_400_000;

const trade = (pnl: number, returnPct: number, entryTime = 0, exitTime = 1, qty = 1, entryPrice = 1): Trade => ({
  side: "long",
  entryTime,
  entryPrice,
  exitTime,
  exitPrice: 1,
  qty,
  pnl,
  fees: 0,
  returnPct,
  exitReason: "signal",
});

/** Daily bars at 0, 1, 2… days, closes 10, 11, 12…; override what a test is about. */
function input(over: Partial<MetricsInput> & { equity: Float64Array }): MetricsInput {
  const n = over.equity.length;
  return {
    initialCash: 100,
    time: Float64Array.from({ length: n }, (_, i) => i * DAY),
    close: Float64Array.from({ length: n }, (_, i) => 10 + i),
    trades: [],
    barsInMarket: 0,
    fees: 3,
    firstTradableBar: 0,
    ...over,
  };
}

describe("metrics of the equity curve", () => {
  it("measures drawdown on the close-marked equity curve from the running peak", () => {
    const m = computeMetrics(input({ equity: Float64Array.from([100, 120, 90, 130, 104]), barsInMarket: 2, close: Float64Array.from([10, 11, 12, 13, 15]) }));
    // Peaks 120 then 130: drawdowns 25 % (120 → 90) and 20 % (130 → 104); the max is 25 %.
    expect(m.maxDrawdownPct).toBeCloseTo(25, 12);
    expect(m.finalEquity).toBe(104);
    expect(m.totalReturnPct).toBeCloseTo(4, 12);
    expect(m.buyHoldReturnPct).toBeCloseTo(50, 12);
    expect(m.exposurePct).toBeCloseTo(40, 12);
    expect(m.fees).toBe(3);
  });

  it("times the longest drawdown from its peak to its recovery, or to the end when it never recovers", () => {
    // Peak on day 1, recovered on day 4 (3 days); new peak day 4, under water to the end, day 6 (2 days).
    expect(computeMetrics(input({ equity: Float64Array.from([100, 120, 90, 110, 130, 104, 120]) })).maxDrawdownDurationMs).toBe(3 * DAY);
    // Losing from the start: the peak is the initial cash at the first bar.
    expect(computeMetrics(input({ equity: Float64Array.from([90, 95, 99, 98, 97]) })).maxDrawdownDurationMs).toBe(4 * DAY);
    expect(computeMetrics(input({ equity: Float64Array.from([100, 101, 101, 102]) })).maxDrawdownDurationMs).toBe(0);
  });

  it("annualises Sharpe and Sortino from per-bar returns with the candles' own spacing", () => {
    const equity = Float64Array.from([110, 99, 108.9]);
    const r = [0.1, -0.1, 0.1];
    const mean = (0.1 - 0.1 + 0.1) / 3;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    const down = Math.sqrt(0.01 / 3);
    const daily = computeMetrics(input({ equity, timeframeMs: DAY }));
    expect(daily.sharpe).toBeCloseTo((mean / std) * Math.sqrt(365), 9);
    expect(daily.sortino).toBeCloseTo((mean / down) * Math.sqrt(365), 9);
    expect(daily.barMs).toBe(DAY);
    expect(daily.timeframeWarning).toBeNull();
    // The same curve on hourly candles of a flow that says 1d: annualised for hours, with a warning.
    const hourly = computeMetrics(input({ equity, time: Float64Array.from([0, 3_600_000, 7_200_000]), timeframeMs: DAY }));
    expect(hourly.sharpe).toBeCloseTo((mean / std) * Math.sqrt(365 * 24), 9);
    expect(hourly.barMs).toBe(3_600_000);
    expect(hourly.timeframeWarning).toMatch(/1h apart but the flow's timeframe is 1d/);
  });

  it("compounds CAGR over the span from the first open to the last close, and divides it by the drawdown for Calmar", () => {
    // 730 daily bars = two years; 100 → 121 is 10 % a year.
    const equity = new Float64Array(730).fill(110);
    equity[729] = 121;
    equity[0] = 88; // a 12 % drawdown from the initial cash
    const m = computeMetrics(input({ equity }));
    expect(m.cagrPct).toBeCloseTo(10, 9);
    expect(m.calmar).toBeCloseTo(0.1 / 0.12, 9);
    expect(computeMetrics(input({ equity: Float64Array.from([100, 101]) })).calmar).toBeNull();
    expect(computeMetrics(input({ equity: Float64Array.from([50, 0]) })).cagrPct).toBe(-100);
  });

  it("has zero Sharpe on a flat curve", () => {
    const m = computeMetrics(input({ equity: Float64Array.from([100, 100, 100]) }));
    expect(m.sharpe).toBe(0);
    expect(m.sortino).toBe(0);
  });
});

describe("metrics of the trades", () => {
  const eq = Float64Array.from([100, 100, 100, 100, 100, 100, 100, 100, 100, 100]);

  it("summarises trades: win rate, profit factor, average, expectancy, SQN, extremes, streaks", () => {
    const trades = [trade(30, 3), trade(-10, -1), trade(-5, -0.5), trade(0, 0), trade(20, 2)];
    const m = computeMetrics(input({ equity: eq, trades }));
    expect(m.trades).toBe(5);
    expect(m.winRatePct).toBe(40);
    expect(m.profitFactor).toBeCloseTo(50 / 15, 12);
    expect(m.avgTradePct).toBeCloseTo(0.7, 12);
    expect(m.expectancy).toBeCloseTo(7, 12);
    // P&L 30, -10, -5, 0, 20: mean 7, sample variance (529 + 289 + 144 + 49 + 169) / 4 = 295.
    expect(m.sqn).toBeCloseTo((Math.sqrt(5) * 7) / Math.sqrt(295), 12);
    expect(m.largestWin).toBe(30);
    expect(m.largestLoss).toBe(-10);
    // -10, -5 and a break-even trade: three trades in a row that did not win.
    expect(m.longestLosingStreak).toBe(3);
  });

  it("has no profit factor, largest loss or SQN where they are undefined", () => {
    const m = computeMetrics(input({ equity: eq, trades: [trade(5, 5)] }));
    expect(m.profitFactor).toBeNull();
    expect(m.largestLoss).toBeNull();
    expect(m.sqn).toBeNull();
    expect(m.longestLosingStreak).toBe(0);
  });

  it("counts bars held from the entry fill's bar to the exit fill's bar", () => {
    const trades = [trade(1, 1, 1 * DAY, 4 * DAY), trade(1, 1, 6 * DAY, 6 * DAY)];
    expect(computeMetrics(input({ equity: eq, trades })).avgBarsHeld).toBe((3 + 0) / 2);
  });
});

describe("backtesting.py's definitions, under their own name", () => {
  const eq = new Float64Array(10).fill(100);

  it("takes trade returns over entry value (no entry fee), their geometric mean and their mean", () => {
    // Returns +10 % and −5 %, with entry fees that our returnPct includes and backtesting.py's does not.
    const trades = [trade(10, 9.9, 1 * DAY, 2 * DAY, 1, 100), trade(-10, -4.9, 3 * DAY, 5 * DAY, 2, 100)];
    const bt = computeMetrics(input({ equity: eq, trades })).backtestingPy;
    expect(bt.profitFactor).toBeCloseTo(0.1 / 0.05, 12);
    expect(bt.avgTradePct).toBeCloseTo((Math.sqrt(1.1 * 0.95) - 1) * 100, 12);
    expect(bt.expectancyPct).toBeCloseTo(2.5, 12);
  });

  it("counts exposure from each entry bar to its exit bar inclusive, and buy & hold from the first tradable bar", () => {
    const trades = [trade(1, 1, 1 * DAY, 2 * DAY), trade(1, 1, 4 * DAY, 7 * DAY)];
    const m = computeMetrics(input({ equity: eq, trades, barsInMarket: 4, firstTradableBar: 3 }));
    expect(m.exposurePct).toBe(40);
    expect(m.backtestingPy.exposurePct).toBe(60); // bars 1–2 and 4–7
    expect(m.buyHoldReturnPct).toBeCloseTo((19 / 10 - 1) * 100, 12);
    expect(m.backtestingPy.buyHoldReturnPct).toBeCloseTo((19 / 13 - 1) * 100, 12);
  });

  it("starts buy & hold where the engine's slowest indicator has its first value", () => {
    const flow = getTemplate("sma-cross")!.flow;
    const r = compile(flow);
    if (!r.ok) throw new Error("compile");
    const rows = Array.from({ length: 40 }, (_, i) => [100 + i, 101 + i, 99 + i, 100 + i] as const);
    const m = backtest(r.spec, candlesFrom(rows), flow.settings).metrics;
    // SMA(20) has its first value on bar 19 (close 119); the last close is 139.
    expect(m.backtestingPy.buyHoldReturnPct).toBeCloseTo((139 / 119 - 1) * 100, 12);
    expect(m.buyHoldReturnPct).toBeCloseTo((139 / 100 - 1) * 100, 12);
  });
});

describe("bar spacing", () => {
  it("is the median gap between candle times, so outages and weekends do not stretch it", () => {
    expect(medianSpacingMs(Float64Array.from([0, 60_000, 120_000, 600_000, 660_000, 720_000]))).toBe(60_000);
    // Trading days: 1-day gaps with 3-day weekends.
    const days = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14].map((d) => d * DAY);
    expect(medianSpacingMs(Float64Array.from(days))).toBe(DAY);
    expect(medianSpacingMs(Float64Array.from([5]))).toBe(0);
  });

  it("is written as a trader writes a timeframe", () => {
    expect([60_000, 3_600_000, 4 * 3_600_000, DAY, 7 * DAY, 90 * 60_000, 1_500].map(formatSpacing)).toEqual(["1m", "1h", "4h", "1d", "1w", "90m", "1500ms"]);
  });
});

describeWithSharedCsv("metrics on real candles", ["binance-BTCUSDT-1m.csv"], (btc1m) => {
  it("annualise bollinger-breakout on 1m candles for 1m bars and warn about its 1h timeframe", () => {
    const flow = getTemplate("bollinger-breakout")!.flow;
    const r = compile(flow);
    if (!r.ok) throw new Error("compile");
    const declared = backtest(r.spec, btc1m, flow.settings, { timeframeMs: 3_600_000 }).metrics;
    const plain = backtest(r.spec, btc1m, flow.settings).metrics;
    expect(declared.sharpe).toBe(plain.sharpe);
    expect(declared.barMs).toBe(60_000);
    expect(declared.timeframeWarning).toMatch(/1m apart.*1h/);
    expect(plain.timeframeWarning).toBeNull();
    // Per-bar Sharpe × √(minutes in a year): what the issue computed by hand from the equity.
    expect(declared.sharpe).toBeCloseTo(-45.06, 2);
  });
});
