import { describe, expect, it } from "vitest";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refRoc, stream } from "./reference.test-helpers";
import { Roc } from "./roc";

describe("Roc", () => {
  it("is (x / x[n-period] - 1) * 100", () => {
    // period 2: 12 vs 10 → 20; 11 vs 11 → 0; 9.9 vs 12 → -17.5
    const roc = new Roc(2);
    expect(roc.warmup).toBe(3);
    const out = [10, 11, 12, 11, 9.9].map((x) => roc.update(x));
    expect(out.slice(0, 2)).toEqual([NaN, NaN]);
    expect(out[2]).toBeCloseTo(20, 12);
    expect(out[3]).toBe(0);
    expect(out[4]).toBeCloseTo(-17.5, 12);
  });

  it("gives 0 when the old value is 0 (TA-Lib's choice)", () => {
    const roc = new Roc(1);
    expect([0, 5].map((x) => roc.update(x))).toEqual([NaN, 0]);
  });
});

describeWithSharedCsv("Roc on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [1, 10, 100]) {
    it(`matches the reference, period ${period}`, () => {
      const roc = new Roc(period);
      const out = stream(c.close.length, (i) => roc.update(c.close[i]!));
      expectSeries(out, refRoc(c.close, period), period, `Roc(${period})`);
    });
  }
});
