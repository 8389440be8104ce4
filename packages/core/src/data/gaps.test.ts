import { describe, expect, it } from "vitest";
import { describeGaps, findGaps } from "./gaps";

const H = 3_600_000;
const hours = (...idx: number[]) => Float64Array.from(idx, (i) => i * H);

describe("findGaps", () => {
  it("finds nothing in evenly spaced candles", () => {
    expect(findGaps(hours(0, 1, 2, 3), H)).toEqual({ gaps: [], count: 0, missing: 0 });
  });

  it("reports each hole with the candles on both sides and how many are missing", () => {
    const r = findGaps(hours(0, 1, 5, 6, 8), H);
    expect(r.gaps).toEqual([
      { after: 1 * H, before: 5 * H, missing: 3 },
      { after: 6 * H, before: 8 * H, missing: 1 },
    ]);
    expect([r.count, r.missing]).toEqual([2, 4]);
  });

  it("keeps only the first `max` gaps but counts them all", () => {
    const r = findGaps(hours(0, 2, 4, 6, 8), H, { max: 2 });
    expect(r.gaps.map((g) => g.after)).toEqual([0, 2 * H]);
    expect([r.count, r.missing]).toEqual([4, 4]);
  });

  it("checks the join to a stored candle before the new ones", () => {
    expect(findGaps(hours(10, 11), H, { prev: 7 * H }).gaps).toEqual([{ after: 7 * H, before: 10 * H, missing: 2 }]);
    expect(findGaps(hours(10, 11), H, { prev: 9 * H }).count).toBe(0);
  });

  it("counts a misaligned candle as a gap of the candles that fit before it", () => {
    const r = findGaps(Float64Array.from([0, H, 2.5 * H]), H);
    expect(r.gaps).toEqual([{ after: H, before: 2.5 * H, missing: 1 }]);
  });

  it("describes the first gaps in UTC", () => {
    const text = describeGaps(findGaps(Float64Array.from([Date.UTC(2024, 2, 1), Date.UTC(2024, 2, 1, 5)]), H));
    expect(text).toBe("1 gap in the candles (4 missing): 2024-03-01 00:00 → 2024-03-01 05:00 UTC (4 missing)");
  });
});
