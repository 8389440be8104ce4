import { describe, expect, it } from "vitest";
import { Highest, Lowest } from "./extremes";
import {
  BTC_1H_FILE,
  describeWithSharedCsv,
  expectSeries,
  refHighest,
  refLowest,
  stream,
  syntheticCandles,
} from "./reference.test-helpers";

describe("Highest / Lowest", () => {
  it("cover the last `period` values including the current one", () => {
    const xs = [3, 1, 2, 5, 4, 0, 0, 6];
    const hi = new Highest(3);
    const lo = new Lowest(3);
    expect(xs.map((x) => hi.update(x))).toEqual([NaN, NaN, 3, 5, 5, 5, 4, 6]);
    expect(xs.map((x) => lo.update(x))).toEqual([NaN, NaN, 1, 1, 2, 0, 0, 0]);
    expect(hi.warmup).toBe(3);
  });

  it("handle a strictly decreasing run longer than the period (full deque)", () => {
    const hi = new Highest(4);
    const xs = [10, 9, 8, 7, 6, 5, 4];
    expect(xs.map((x) => hi.update(x))).toEqual([NaN, NaN, NaN, 10, 9, 8, 7]);
    const lo = new Lowest(4);
    expect([1, 2, 3, 4, 5, 6].map((x) => lo.update(x))).toEqual([NaN, NaN, NaN, 1, 2, 3]);
  });

  it("match a from-scratch scan on a synthetic walk with ties", () => {
    const s = syntheticCandles(3000, 7);
    const rounded = Array.from(s.close, (x) => Math.round(x)); // many ties
    for (const period of [1, 2, 3, 17]) {
      const hi = new Highest(period);
      const lo = new Lowest(period);
      expectSeries(stream(rounded.length, (i) => hi.update(rounded[i]!)), refHighest(rounded, period), period - 1, `Highest(${period})`);
      expectSeries(stream(rounded.length, (i) => lo.update(rounded[i]!)), refLowest(rounded, period), period - 1, `Lowest(${period})`);
    }
  });
});

describeWithSharedCsv("Highest / Lowest on BTC 1h highs and lows", [BTC_1H_FILE], (c) => {
  for (const period of [1, 20, 200]) {
    it(`match a from-scratch scan of each window, period ${period}`, () => {
      const hi = new Highest(period);
      const lo = new Lowest(period);
      expectSeries(stream(c.high.length, (i) => hi.update(c.high[i]!)), refHighest(c.high, period), period - 1, `Highest(${period})`);
      expectSeries(stream(c.low.length, (i) => lo.update(c.low[i]!)), refLowest(c.low, period), period - 1, `Lowest(${period})`);
    });
  }
});
