import { describe, expect, it } from "vitest";
import { Cmf } from "./cmf";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

function refCmf(h: ArrayLike<number>, l: ArrayLike<number>, c: ArrayLike<number>, v: ArrayLike<number>, period: number): number[] {
  return Array.from(c, (_, i) => {
    if (i < period - 1) return NaN;
    let mfv = 0;
    let vol = 0;
    for (let j = i - period + 1; j <= i; j++) {
      // close location in [-1, 1]: 2·(close - low)/(high - low) - 1
      if (h[j]! > l[j]!) mfv += ((2 * (c[j]! - l[j]!)) / (h[j]! - l[j]!) - 1) * v[j]!;
      vol += v[j]!;
    }
    return vol === 0 ? 0 : mfv / vol;
  });
}

describe("Cmf", () => {
  it("weights each bar's close location by its volume", () => {
    // bar 1: close at the high (+1) × 3; bar 2: close at 1/4 of the range (-0.5) × 1 → (3 - 0.5)/4
    const m = new Cmf(2);
    expect(m.update(10, 8, 10, 3)).toBeNaN();
    expect(m.update(12, 8, 9, 1)).toBeCloseTo(2.5 / 4, 12);
    expect(m.update(9, 9, 9, 0)).toBeCloseTo(-0.5, 12); // no range, no volume: only bar 2 counts
    expect(m.update(9, 9, 9, 0)).toBe(0); // no volume at all
  });
});

describeWithSharedCsv("Cmf on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const period of [1, 20, 100]) {
    it(`matches window sums, period ${period}`, () => {
      const m = new Cmf(period);
      const out = stream(c.close.length, (i) => m.update(c.high[i]!, c.low[i]!, c.close[i]!, c.volume[i]!));
      expectSeries(out, refCmf(c.high, c.low, c.close, c.volume, period), period - 1, `Cmf(${period})`);
    });
  }
});
