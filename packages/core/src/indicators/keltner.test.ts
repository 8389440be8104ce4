import { describe, expect, it } from "vitest";
import { Keltner } from "./keltner";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refAtr, refEma } from "./reference.test-helpers";

describe("Keltner", () => {
  it("puts the bands mult × ATR around the EMA, once both exist", () => {
    // EMA(2) of closes 9, 10, 11.5 → seed 9.5, then 9.5 + (11.5 - 9.5)·2/3 = 10.8333
    // ATR(2) at bar 2: TRs 2 and 2 → 2 (see atr.test.ts)
    const k = new Keltner(2, 2, 1.5);
    expect(k.warmup).toBe(3);
    expect(k.update(10, 8, 9)).toBeNaN();
    expect(k.update(11, 9, 10)).toBeNaN(); // EMA ready, ATR not yet
    expect(k.update(12, 11, 11.5)).toBeCloseTo(9.5 + 4 / 3, 12);
    expect(k.upper - k.middle).toBeCloseTo(3, 12);
    expect(k.middle - k.lower).toBeCloseTo(3, 12);
  });
});

describeWithSharedCsv("Keltner on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const [p, a, m] of [
    [20, 10, 2],
    [5, 30, 1],
  ] as const) {
    it(`matches the reference EMA ± mult × reference ATR, (${p}, ${a}, ${m})`, () => {
      const k = new Keltner(p, a, m);
      const n = c.close.length;
      const up = new Float64Array(n);
      const mid = new Float64Array(n);
      const lo = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        mid[i] = k.update(c.high[i]!, c.low[i]!, c.close[i]!);
        up[i] = Number.isNaN(mid[i]!) ? NaN : k.upper;
        lo[i] = Number.isNaN(mid[i]!) ? NaN : k.lower;
      }
      const first = Math.max(p - 1, a);
      const ema = refEma(c.close, p).map((v, i) => (i < first ? NaN : v));
      const atr = refAtr(c.high, c.low, c.close, a);
      expectSeries(mid, ema, first, "Keltner.middle");
      expectSeries(up, ema.map((v, i) => v + m * atr[i]!), first, "Keltner.upper");
      expectSeries(lo, ema.map((v, i) => v - m * atr[i]!), first, "Keltner.lower");
    });
  }
});
