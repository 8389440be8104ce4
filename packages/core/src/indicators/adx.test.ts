import { describe, expect, it } from "vitest";
import { Adx } from "./adx";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refAdx, stream } from "./reference.test-helpers";

describe("Adx", () => {
  it("matches a hand computation with TA-Lib's seeding, period 2", () => {
    // bar (h, l, c)       +DM1  -DM1  TR1   smoothed (s - s/2 + today)   DX
    // 0 (10, 8, 9)
    // 1 (11, 9, 10)       1     0     2     raw sums: +1, -0, TR 2
    // 2 (12, 9.5, 11)     1     0     2.5   +1.5, -0, TR 3.5              100
    // 3 (11.5, 8, 8.5)    0     1.5   3.5   +0.75, -1.5, TR 5.25           100*0.75/2.25 = 33.33
    //   first ADX (index 2*2-1 = 3) = (100 + 33.33)/2 = 66.667
    // 4 (12, 10, 11)      0.5   0     3.5   +0.875, -0.75, TR 6.125        100*0.125/1.625 = 100/13
    //   ADX = (66.667 + 7.6923)/2 = 2900/78 = 37.1795
    const adx = new Adx(2);
    expect(adx.warmup).toBe(4);
    expect(adx.update(10, 8, 9)).toBeNaN();
    expect(adx.update(11, 9, 10)).toBeNaN();
    expect(adx.update(12, 9.5, 11)).toBeNaN();
    expect(adx.update(11.5, 8, 8.5)).toBeCloseTo(200 / 3, 10);
    expect(adx.update(12, 10, 11)).toBeCloseTo(2900 / 78, 10);
  });

  it("is 0, not NaN, while there is no directional movement (DX skipped, as in TA-Lib)", () => {
    // Same high/low every bar: +DM = -DM = 0, TR = 2 → +DI + -DI = 0, DX skipped, ADX = 0/3.
    const adx = new Adx(3);
    const out = [9, 8.5, 9, 8.5, 9, 8.5].map((c) => adx.update(10, 8, c));
    expect(out).toEqual([NaN, NaN, NaN, NaN, NaN, 0]);
    // Then a bar up: +DM 2, -DM 0 → DX = 100 → ADX = (0 * 2 + 100)/3
    expect(adx.update(12, 9, 11)).toBeCloseTo(100 / 3, 10);
  });

  it("rejects period 1 (TA-Lib's minimum is 2)", () => {
    expect(() => new Adx(1)).toThrow(RangeError);
  });
});

describeWithSharedCsv("Adx on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const period of [2, 14, 30]) {
    it(`matches the array reference, first output at index ${2 * period - 1}`, () => {
      const adx = new Adx(period);
      const out = stream(c.close.length, (i) => adx.update(c.high[i]!, c.low[i]!, c.close[i]!));
      expectSeries(out, refAdx(c.high, c.low, c.close, period), 2 * period - 1, `Adx(${period})`);
    });
  }
});
