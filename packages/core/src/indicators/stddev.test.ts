import { describe, expect, it } from "vitest";
import { StdDev } from "./stddev";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

/** Population standard deviation of each window from the definition: sqrt(Σ(x - mean)² / n). */
function refStdDev(x: ArrayLike<number>, period: number): number[] {
  return Array.from(x, (_, i) => {
    if (i < period - 1) return NaN;
    const w = Array.from({ length: period }, (_, j) => x[i - j]!);
    const mean = w.reduce((a, b) => a + b, 0) / period;
    return Math.sqrt(w.reduce((a, v) => a + (v - mean) ** 2, 0) / period);
  });
}

describe("StdDev", () => {
  it("is the population deviation (divides by N, as TA-Lib STDDEV)", () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x - 5)² = 32, 32/8 = 4 → 2
    const sd = new StdDev(8);
    const out = [2, 4, 4, 4, 5, 5, 7, 9].map((x) => sd.update(x));
    expect(out.slice(0, 7).every(Number.isNaN)).toBe(true);
    expect(out[7]).toBeCloseTo(2, 12);
  });

  it("is exactly 0 on a flat window", () => {
    const sd = new StdDev(3);
    expect([61234.57, 61234.57, 61234.57].map((x) => sd.update(x))[2]).toBe(0);
  });
});

describeWithSharedCsv("StdDev on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [2, 20, 200]) {
    it(`matches a two-pass deviation of each window, period ${period}`, () => {
      const sd = new StdDev(period);
      expectSeries(stream(c.close.length, (i) => sd.update(c.close[i]!)), refStdDev(c.close, period), period - 1, `StdDev(${period})`);
    });
  }
});

describeWithSharedCsv("StdDev on BTC 1m closes (quiet windows right after moves, prices ~60000)", ["binance-BTCUSDT-1m.csv"], (c) => {
  for (const period of [2, 20]) {
    it(`keeps the deviation within 1e-9, period ${period}`, () => {
      const sd = new StdDev(period);
      expectSeries(stream(c.close.length, (i) => sd.update(c.close[i]!)), refStdDev(c.close, period), period - 1, `StdDev(${period})`);
    });
  }
});
