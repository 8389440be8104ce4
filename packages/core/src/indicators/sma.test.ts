import { describe, expect, it } from "vitest";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refSma, stream } from "./reference.test-helpers";
import { Sma } from "./sma";

describe("Sma", () => {
  it("averages 1..5 over 3 values: NaN, NaN, 2, 3, 4", () => {
    // (1+2+3)/3 = 2, (2+3+4)/3 = 3, (3+4+5)/3 = 4
    const sma = new Sma(3);
    expect([1, 2, 3, 4, 5].map((x) => sma.update(x))).toEqual([NaN, NaN, 2, 3, 4]);
    expect(sma.warmup).toBe(3);
    expect(sma.value).toBe(4);
  });

  it("with period 1 returns its input", () => {
    const sma = new Sma(1);
    expect([5, -2, 7.5].map((x) => sma.update(x))).toEqual([5, -2, 7.5]);
  });

  it("ignores a NaN input and returns the current value for it", () => {
    const sma = new Sma(2);
    // 1 → NaN; 2 → 1.5; NaN → still 1.5; 3 → (2+3)/2 = 2.5
    expect([1, 2, NaN, 3].map((x) => sma.update(x))).toEqual([NaN, 1.5, 1.5, 2.5]);
  });

  it("rejects a non-integer or zero period", () => {
    expect(() => new Sma(0)).toThrow(RangeError);
    expect(() => new Sma(2.5)).toThrow(/integer/);
  });
});

describeWithSharedCsv("Sma on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [1, 2, 20, 200]) {
    it(`matches a from-scratch mean of each window, period ${period}`, () => {
      const sma = new Sma(period);
      expect(sma.warmup).toBe(period);
      const out = stream(c.close.length, (i) => sma.update(c.close[i]!));
      expectSeries(out, refSma(c.close, period), period - 1, `Sma(${period})`);
    });
  }
});
