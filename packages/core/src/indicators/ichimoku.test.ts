import { describe, expect, it } from "vitest";
import { Ichimoku } from "./ichimoku";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refHighest, refLowest } from "./reference.test-helpers";

function mid(h: ArrayLike<number>, l: ArrayLike<number>, n: number): number[] {
  const hh = refHighest(h, n);
  const ll = refLowest(l, n);
  return hh.map((v, i) => (v + ll[i]!) / 2);
}

function shift(x: number[], bars: number): number[] {
  return x.map((_, i) => (i >= bars ? x[i - bars]! : NaN));
}

describe("Ichimoku", () => {
  it("keeps the spans on the bar that computed them and delays the cloud", () => {
    const ich = new Ichimoku(1, 2, 3, 2);
    ich.update(10, 8); // tenkan 9, kijun NaN
    expect(ich.tenkan).toBe(9);
    expect(ich.kijun).toBeNaN();
    ich.update(12, 10); // tenkan 11, kijun (12 + 8)/2 = 10, spanA 10.5
    expect(ich.spanA).toBe(10.5);
    expect(ich.cloudA).toBeNaN();
    ich.update(11, 9); // spanB = (12 + 8)/2 = 10
    expect(ich.spanB).toBe(10);
    ich.update(13, 12); // cloudA = spanA of 2 bars ago
    expect(ich.cloudA).toBe(10.5);
    expect(ich.cloudB).toBeNaN();
  });

  it("never changes a past output when later bars arrive (no look-ahead)", () => {
    const bars = Array.from({ length: 80 }, (_, i) => [100 + 10 * Math.sin(i / 5) + 2, 100 + 10 * Math.sin(i / 5) - 2] as const);
    const full = new Ichimoku(9, 26, 52, 26);
    const outs = bars.map(([h, l]) => (full.update(h, l), [full.tenkan, full.kijun, full.spanA, full.spanB, full.cloudA, full.cloudB]));
    const cut = new Ichimoku(9, 26, 52, 26);
    bars.slice(0, 60).forEach(([h, l], i) => {
      cut.update(h, l);
      expect([cut.tenkan, cut.kijun, cut.spanA, cut.spanB, cut.cloudA, cut.cloudB]).toEqual(outs[i]);
    });
  });
});

describeWithSharedCsv("Ichimoku on BTC 1h candles", [BTC_1H_FILE], (c) => {
  it("matches midpoints of window scans, and the cloud is the spans 26 bars earlier", () => {
    const ich = new Ichimoku(9, 26, 52, 26);
    const n = c.close.length;
    const got = { tenkan: new Float64Array(n), kijun: new Float64Array(n), spanA: new Float64Array(n), spanB: new Float64Array(n), cloudA: new Float64Array(n), cloudB: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      ich.update(c.high[i]!, c.low[i]!);
      for (const k of Object.keys(got) as (keyof typeof got)[]) got[k][i] = ich[k];
    }
    const tenkan = mid(c.high, c.low, 9);
    const kijun = mid(c.high, c.low, 26);
    const spanA = tenkan.map((t, i) => (t + kijun[i]!) / 2);
    const spanB = mid(c.high, c.low, 52);
    expectSeries(got.tenkan, tenkan, 8, "tenkan");
    expectSeries(got.kijun, kijun, 25, "kijun");
    expectSeries(got.spanA, spanA, 25, "spanA");
    expectSeries(got.spanB, spanB, 51, "spanB");
    expectSeries(got.cloudA, shift(spanA, 26), 51, "cloudA");
    expectSeries(got.cloudB, shift(spanB, 26), 77, "cloudB");
  });
});
