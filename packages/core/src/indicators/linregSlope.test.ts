import { describe, expect, it } from "vitest";
import { LinRegSlope } from "./linregSlope";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

/** Least-squares slope of each window from centred sums: Σ(t - t̄)(y - ȳ) / Σ(t - t̄)². */
function refSlope(x: ArrayLike<number>, period: number): number[] {
  return Array.from(x, (_, i) => {
    if (i < period - 1) return NaN;
    const ys = Array.from({ length: period }, (_, j) => x[i - period + 1 + j]!);
    const tMean = (period - 1) / 2;
    const yMean = ys.reduce((a, b) => a + b, 0) / period;
    let num = 0;
    let den = 0;
    ys.forEach((y, t) => {
      num += (t - tMean) * (y - yMean);
      den += (t - tMean) ** 2;
    });
    return num / den;
  });
}

describe("LinRegSlope", () => {
  it("is the rise per bar of a straight line, and 0 on a flat series", () => {
    const s = new LinRegSlope(4);
    expect([10, 13, 16, 19, 22].map((x) => s.update(x))).toEqual([NaN, NaN, NaN, 3, 3]);
    const flat = new LinRegSlope(3);
    expect([5, 5, 5, 5].map((x) => flat.update(x))[3]).toBe(0);
  });

  it("fits a least-squares line through noisy points", () => {
    // t = 0, 1, 2 and y = 1, 3, 2: slope = Σ(t - 1)(y - 2) / Σ(t - 1)² = ((-1)(-1) + 0 + (1)(0)) / 2 = 0.5
    const s = new LinRegSlope(3);
    expect([1, 3, 2].map((x) => s.update(x))[2]).toBeCloseTo(0.5, 12);
  });
});

describeWithSharedCsv("LinRegSlope on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [2, 14, 100]) {
    it(`matches centred least squares on each window, period ${period}`, () => {
      const s = new LinRegSlope(period);
      expectSeries(stream(c.close.length, (i) => s.update(c.close[i]!)), refSlope(c.close, period), period - 1, `LinRegSlope(${period})`);
    });
  }
});
