import { describe, expect, it } from "vitest";
import { Ema } from "./ema";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refEma, stream } from "./reference.test-helpers";

describe("Ema", () => {
  it("is seeded with the SMA of the first `period` values, then k = 2/(period+1)", () => {
    // period 3 → k = 0.5. Seed at index 2: (2+4+6)/3 = 4.
    // index 3: 4 + 0.5 * (8 - 4) = 6; index 4: 6 + 0.5 * (3 - 6) = 4.5
    const ema = new Ema(3);
    expect([2, 4, 6, 8, 3].map((x) => ema.update(x))).toEqual([NaN, NaN, 4, 6, 4.5]);
    expect(ema.warmup).toBe(3);
  });

  it("uses k = 2/(period+1) after the seed", () => {
    // period 4 → k = 0.4. Seed (1+2+3+4)/4 = 2.5; next 2.5 + 0.4 * (10 - 2.5) = 5.5
    const ema = new Ema(4);
    const out = [1, 2, 3, 4, 10].map((x) => ema.update(x));
    expect(out[3]).toBe(2.5);
    expect(out[4]).toBeCloseTo(5.5, 12);
  });

  it("fed 3 NaN and then values equals the EMA of the values alone", () => {
    const values = [10, 11, 9, 12, 13, 12.5, 14, 13];
    const clean = new Ema(3);
    const expected = values.map((x) => clean.update(x));
    const ema = new Ema(3);
    expect([NaN, NaN, NaN].map((x) => ema.update(x))).toEqual([NaN, NaN, NaN]);
    expect(values.map((x) => ema.update(x))).toEqual(expected);
  });
});

describeWithSharedCsv("Ema on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [1, 2, 12, 26, 200]) {
    it(`matches the reference EMA, period ${period}`, () => {
      const ema = new Ema(period);
      const out = stream(c.close.length, (i) => ema.update(c.close[i]!));
      expectSeries(out, refEma(c.close, period), period - 1, `Ema(${period})`);
    });
  }
});
