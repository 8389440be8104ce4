import { describe, expect, it } from "vitest";
import { computeMetrics, inferBarMs, type Trade } from "../src";

const trade = (pnl: number, returnPct: number): Trade => ({
  side: "long",
  entryTime: 0,
  entryPrice: 1,
  exitTime: 1,
  exitPrice: 1,
  qty: 1,
  pnl,
  fees: 0,
  returnPct,
  exitReason: "signal",
});

describe("metrics", () => {
  const base = { initialCash: 100, firstClose: 10, lastClose: 15, fees: 3, barMs: 86_400_000 };

  it("measures drawdown on the close-marked equity curve from the running peak", () => {
    const m = computeMetrics({ ...base, equity: Float64Array.from([100, 120, 90, 130, 104]), trades: [], barsInMarket: 2 });
    // Peaks 120 then 130: drawdowns 25 % (120 → 90) and 20 % (130 → 104); the max is 25 %.
    expect(m.maxDrawdownPct).toBeCloseTo(25, 12);
    expect(m.finalEquity).toBe(104);
    expect(m.totalReturnPct).toBeCloseTo(4, 12);
    expect(m.buyHoldReturnPct).toBeCloseTo(50, 12);
    expect(m.exposurePct).toBeCloseTo(40, 12);
    expect(m.fees).toBe(3);
  });

  it("annualises Sharpe and Sortino from per-bar returns", () => {
    const equity = Float64Array.from([110, 99, 108.9]);
    const m = computeMetrics({ ...base, equity, trades: [], barsInMarket: 3 });
    const r = [0.1, -0.1, 0.1];
    const mean = (0.1 - 0.1 + 0.1) / 3;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    expect(m.sharpe).toBeCloseTo((mean / std) * Math.sqrt(365), 9);
    const down = Math.sqrt(0.01 / 3);
    expect(m.sortino).toBeCloseTo((mean / down) * Math.sqrt(365), 9);
  });

  it("summarises trades: win rate, profit factor, average trade", () => {
    const m = computeMetrics({ ...base, equity: Float64Array.from([100]), trades: [trade(30, 3), trade(-10, -1), trade(-5, -0.5), trade(20, 2)], barsInMarket: 0 });
    expect(m.trades).toBe(4);
    expect(m.winRatePct).toBe(50);
    expect(m.profitFactor).toBeCloseTo(50 / 15, 12);
    expect(m.avgTradePct).toBeCloseTo(0.875, 12);
  });

  it("has no profit factor without a losing trade, and zero Sharpe on a flat curve", () => {
    const m = computeMetrics({ ...base, equity: Float64Array.from([100, 100, 100]), trades: [trade(5, 5)], barsInMarket: 0 });
    expect(m.profitFactor).toBeNull();
    expect(m.sharpe).toBe(0);
    expect(m.sortino).toBe(0);
  });

  it("infers the bar length from the most common gap, ignoring outages", () => {
    const t = Float64Array.from([0, 60_000, 120_000, 600_000, 660_000, 720_000]);
    expect(inferBarMs(t)).toBe(60_000);
  });
});
