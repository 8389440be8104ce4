import { describe, expect, it } from "vitest";
import { Mfi } from "./mfi";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

/** MFI from the definition, summing each window's positive and negative money flow afresh. */
function refMfi(h: ArrayLike<number>, l: ArrayLike<number>, c: ArrayLike<number>, v: ArrayLike<number>, period: number): number[] {
  const tp = Array.from(c, (close, i) => (h[i]! + l[i]! + close) / 3);
  return tp.map((_, i) => {
    if (i < period) return NaN;
    let pos = 0;
    let neg = 0;
    for (let j = i - period + 1; j <= i; j++) {
      if (tp[j]! > tp[j - 1]!) pos += tp[j]! * v[j]!;
      else if (tp[j]! < tp[j - 1]!) neg += tp[j]! * v[j]!;
    }
    return pos + neg === 0 ? 0 : 100 - 100 / (1 + pos / neg);
  });
}

describe("Mfi", () => {
  it("splits money flow by the direction of the typical price", () => {
    // tp: 10, 11 (up, vol 2 → +22), 10 (down, vol 1 → -10), 10 (unchanged: neither)
    const mfi = new Mfi(2);
    expect(mfi.warmup).toBe(3);
    expect(mfi.update(10, 10, 10, 5)).toBeNaN();
    expect(mfi.update(11, 11, 11, 2)).toBeNaN();
    expect(mfi.update(10, 10, 10, 1)).toBeCloseTo((100 * 22) / 32, 12);
    expect(mfi.update(10, 10, 10, 7)).toBe(0); // window: -10 and nothing → 0 positive
    expect(mfi.update(10, 10, 10, 7)).toBe(0); // no flow at all: 0, as TA-Lib
    expect(mfi.update(12, 12, 12, 1)).toBe(100);
  });
});

describeWithSharedCsv("Mfi on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const period of [2, 14, 50]) {
    it(`matches window sums of money flow, period ${period}`, () => {
      const mfi = new Mfi(period);
      const out = stream(c.close.length, (i) => mfi.update(c.high[i]!, c.low[i]!, c.close[i]!, c.volume[i]!));
      expectSeries(out, refMfi(c.high, c.low, c.close, c.volume, period), period, `Mfi(${period})`);
    });
  }
});
