import { describe, expect, it } from "vitest";
import { Donchian } from "./donchian";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refHighest, refLowest } from "./reference.test-helpers";

describe("Donchian", () => {
  it("spans the highest high and lowest low of the window, this bar included", () => {
    const d = new Donchian(2);
    expect(d.update(10, 8)).toBeNaN();
    expect(d.upper).toBeNaN();
    expect(d.update(12, 9)).toBe(10);
    expect([d.upper, d.middle, d.lower]).toEqual([12, 10, 8]);
    d.update(11, 10);
    expect([d.upper, d.middle, d.lower]).toEqual([12, 10.5, 9]);
  });
});

describeWithSharedCsv("Donchian on BTC 1h candles", [BTC_1H_FILE], (c) => {
  it("matches window scans of highs and lows, period 20", () => {
    const d = new Donchian(20);
    const n = c.close.length;
    const up = new Float64Array(n);
    const mid = new Float64Array(n);
    const lo = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      mid[i] = d.update(c.high[i]!, c.low[i]!);
      up[i] = Number.isNaN(mid[i]!) ? NaN : d.upper;
      lo[i] = Number.isNaN(mid[i]!) ? NaN : d.lower;
    }
    const hh = refHighest(c.high, 20);
    const ll = refLowest(c.low, 20);
    expectSeries(up, hh, 19, "Donchian.upper");
    expectSeries(lo, ll, 19, "Donchian.lower");
    expectSeries(mid, hh.map((h, i) => (h + ll[i]!) / 2), 19, "Donchian.middle");
  });
});
