import { describe, expect, it } from "vitest";
import { PercentRank } from "./percentRank";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

function refPercentRank(x: ArrayLike<number>, period: number): number[] {
  return Array.from(x, (v, i) => {
    if (i < period) return NaN;
    const previous = Array.from({ length: period }, (_, j) => x[i - 1 - j]!);
    return (previous.filter((p) => p <= v).length / period) * 100;
  });
}

describe("PercentRank", () => {
  it("counts the previous N values at or below the current one", () => {
    const r = new PercentRank(4);
    // previous 3, 1, 4, 1 vs 2 → 1, 1 → 50; then previous 1, 4, 1, 2 vs 4 → all 4 → 100
    expect([3, 1, 4, 1, 2, 4, 0].map((x) => r.update(x))).toEqual([NaN, NaN, NaN, NaN, 50, 100, 0]);
    expect(r.warmup).toBe(5);
  });
});

describeWithSharedCsv("PercentRank on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [1, 20, 100]) {
    it(`matches a count over each window, period ${period}`, () => {
      const r = new PercentRank(period);
      expectSeries(stream(c.close.length, (i) => r.update(c.close[i]!)), refPercentRank(c.close, period), period, `PercentRank(${period})`);
    });
  }
});
