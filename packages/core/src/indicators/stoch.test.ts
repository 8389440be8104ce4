import { describe, expect, it } from "vitest";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refStoch } from "./reference.test-helpers";
import { Stoch } from "./stoch";

describe("Stoch", () => {
  it("smooths fast %K into slow %K and %D with SMAs, output only once %D exists", () => {
    // fastK 3, slowK 2, slowD 2 → first output at index 3 + 2 + 2 - 3 = 4
    // bar (h, l, c)      window HH/LL   fast %K
    // 0 (10, 8, 9)
    // 1 (11, 9, 10)
    // 2 (12, 9, 11)      12 / 8         100 * 3/4 = 75
    // 3 (12, 10, 10)     12 / 9         100 * 1/3 = 33.333
    // 4 (13, 11, 13)     13 / 9         100 * 4/4 = 100
    // 5 (13, 12, 12)     13 / 10        100 * 2/3 = 66.667
    // slow %K: [3] 54.1667, [4] 66.6667, [5] 83.3333; %D: [4] 60.4167, [5] 75
    const st = new Stoch(3, 2, 2);
    expect(st.warmup).toBe(5);
    const bars = [
      [10, 8, 9],
      [11, 9, 10],
      [12, 9, 11],
      [12, 10, 10],
    ] as const;
    for (const [h, l, c] of bars) expect(st.update(h, l, c)).toBeNaN();
    expect(st.k).toBeNaN();
    expect(st.update(13, 11, 13)).toBeCloseTo(200 / 3, 10);
    expect(st.d).toBeCloseTo((325 / 6 + 200 / 3) / 2, 10);
    expect(st.update(13, 12, 12)).toBeCloseTo(250 / 3, 10);
    expect(st.k).toBeCloseTo(250 / 3, 10);
    expect(st.d).toBeCloseTo(75, 10);
  });

  it("gives 0 when the high-low range is zero (TA-Lib's choice)", () => {
    const st = new Stoch(3, 1, 1);
    const out = [1, 2, 3, 4].map(() => st.update(5, 5, 5));
    expect(out).toEqual([NaN, NaN, 0, 0]);
  });
});

describeWithSharedCsv("Stoch on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const [fk, sk, sd] of [
    [14, 3, 3],
    [5, 3, 3],
    [1, 1, 1],
    [21, 1, 7],
  ] as const) {
    it(`matches from-scratch windows for (${fk}, ${sk}, ${sd})`, () => {
      const st = new Stoch(fk, sk, sd);
      const n = c.close.length;
      const k = new Float64Array(n);
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        k[i] = st.update(c.high[i]!, c.low[i]!, c.close[i]!);
        d[i] = st.d;
      }
      const first = fk + sk + sd - 3;
      expect(st.warmup).toBe(first + 1);
      const ref = refStoch(c.high, c.low, c.close, fk, sk, sd);
      expectSeries(k, ref.k, first, `Stoch(${fk},${sk},${sd}).k`);
      expectSeries(d, ref.d, first, `Stoch(${fk},${sk},${sd}).d`);
    });
  }
});
