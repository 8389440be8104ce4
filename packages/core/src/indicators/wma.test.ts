import { describe, expect, it } from "vitest";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refWma, stream } from "./reference.test-helpers";
import { Wma } from "./wma";

describe("Wma", () => {
  it("weights the newest value most: 1..4 over 3 values", () => {
    // index 2: (1*1 + 2*2 + 3*3) / 6 = 14/6; index 3: (1*2 + 2*3 + 3*4) / 6 = 20/6
    const wma = new Wma(3);
    const out = [1, 2, 3, 4].map((x) => wma.update(x));
    expect(out.slice(0, 2)).toEqual([NaN, NaN]);
    expect(out[2]).toBeCloseTo(14 / 6, 12);
    expect(out[3]).toBeCloseTo(20 / 6, 12);
    expect(wma.warmup).toBe(3);
  });
});

describeWithSharedCsv("Wma on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [1, 2, 9, 30, 100]) {
    it(`matches a from-scratch weighted sum of each window, period ${period}`, () => {
      const wma = new Wma(period);
      const out = stream(c.close.length, (i) => wma.update(c.close[i]!));
      expectSeries(out, refWma(c.close, period), period - 1, `Wma(${period})`);
    });
  }
});
