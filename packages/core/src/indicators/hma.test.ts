import { describe, expect, it } from "vitest";
import { Hma } from "./hma";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refWma, stream } from "./reference.test-helpers";

function refHma(x: ArrayLike<number>, period: number): number[] {
  const half = refWma(x, Math.floor(period / 2));
  const full = refWma(x, period);
  return refWma(half.map((h, i) => 2 * h - full[i]!), Math.floor(Math.sqrt(period)));
}

describe("Hma", () => {
  it("follows a straight line with no lag", () => {
    // WMAs of a line lag by a fixed amount; 2·WMA(n/2) - WMA(n) cancels it exactly.
    const h = new Hma(4);
    const out = [1, 2, 3, 4, 5, 6].map((x) => h.update(x));
    expect(h.warmup).toBe(5);
    expect(out.slice(0, 4).every(Number.isNaN)).toBe(true);
    // WMA(2) of a line lags 1/3, WMA(4) lags 1 → 2·(x - 1/3) - (x - 1) = x + 1/3; WMA(2) of that lags 1/3 → x
    expect(out[4]).toBeCloseTo(5, 12);
    expect(out[5]).toBeCloseTo(6, 12);
  });
});

describeWithSharedCsv("Hma on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [2, 9, 55]) {
    it(`matches WMAs of WMAs over whole arrays, period ${period}`, () => {
      const h = new Hma(period);
      const first = period + Math.floor(Math.sqrt(period)) - 2;
      expectSeries(stream(c.close.length, (i) => h.update(c.close[i]!)), refHma(c.close, period), first, `Hma(${period})`);
    });
  }
});
