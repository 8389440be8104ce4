import { describe, expect, it } from "vitest";
import { Cci } from "./cci";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

/** CCI from the definition: each window's typical prices, their mean and mean absolute deviation. */
function refCci(h: ArrayLike<number>, l: ArrayLike<number>, c: ArrayLike<number>, period: number): number[] {
  const tp = Array.from(c, (close, i) => (h[i]! + l[i]! + close) / 3);
  return tp.map((t, i) => {
    if (i < period - 1) return NaN;
    const w = tp.slice(i - period + 1, i + 1);
    const mean = w.reduce((a, b) => a + b, 0) / period;
    const mad = w.reduce((a, v) => a + Math.abs(v - mean), 0) / period;
    return mad === 0 ? 0 : (t - mean) / (0.015 * mad);
  });
}

describe("Cci", () => {
  it("divides the distance from the mean by 0.015 × the mean absolute deviation", () => {
    // typical prices 1, 2, 6: mean 3, deviations 2, 1, 3 → MAD 2; (6 - 3)/(0.015 * 2) = 100
    const cci = new Cci(3);
    expect(cci.update(1, 1, 1)).toBeNaN();
    expect(cci.update(2, 2, 2)).toBeNaN();
    expect(cci.update(6, 6, 6)).toBeCloseTo(100, 10);
  });

  it("is 0 on a flat window", () => {
    const cci = new Cci(2);
    cci.update(5, 5, 5);
    expect(cci.update(5, 5, 5)).toBe(0);
  });
});

describeWithSharedCsv("Cci on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const period of [2, 20, 100]) {
    it(`matches the definition on each window, period ${period}`, () => {
      const cci = new Cci(period);
      const out = stream(c.close.length, (i) => cci.update(c.high[i]!, c.low[i]!, c.close[i]!));
      expectSeries(out, refCci(c.high, c.low, c.close, period), period - 1, `Cci(${period})`);
    });
  }
});
