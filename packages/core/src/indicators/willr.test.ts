import { describe, expect, it } from "vitest";
import { WillR } from "./willr";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

/** %R from the definition, scanning each window. */
function refWillR(h: ArrayLike<number>, l: ArrayLike<number>, c: ArrayLike<number>, period: number): number[] {
  return Array.from(c, (close, i) => {
    if (i < period - 1) return NaN;
    let hh = -Infinity;
    let ll = Infinity;
    for (let j = i - period + 1; j <= i; j++) {
      hh = Math.max(hh, h[j]!);
      ll = Math.min(ll, l[j]!);
    }
    return hh === ll ? 0 : (-100 * (hh - close)) / (hh - ll);
  });
}

describe("WillR", () => {
  it("runs from -100 at the low to 0 at the high of the window", () => {
    // window highs 10, 12 → 12; lows 8, 9 → 8. close 9 → -100 * (12 - 9)/4 = -75
    const w = new WillR(2);
    expect(w.update(10, 8, 9)).toBeNaN();
    expect(w.update(12, 9, 9)).toBe(-75);
    expect(w.update(12, 11, 12)).toBeCloseTo(0, 12); // window 12/9 .. 12/11: close at the high
    expect(w.update(11, 9, 9)).toBe(-100); // high 12, low 9: close at the low
  });

  it("is 0 when the window has no range", () => {
    const w = new WillR(2);
    w.update(5, 5, 5);
    expect(w.update(5, 5, 5)).toBe(0);
  });
});

describeWithSharedCsv("WillR on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const period of [2, 14, 100]) {
    it(`matches a window scan, period ${period}`, () => {
      const w = new WillR(period);
      const out = stream(c.close.length, (i) => w.update(c.high[i]!, c.low[i]!, c.close[i]!));
      expectSeries(out, refWillR(c.high, c.low, c.close, period), period - 1, `WillR(${period})`);
    });
  }
});
