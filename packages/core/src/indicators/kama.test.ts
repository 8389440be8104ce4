import { describe, expect, it } from "vitest";
import { Kama } from "./kama";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

/** KAMA with each bar's efficiency ratio computed from its own window, from scratch. */
function refKama(x: ArrayLike<number>, period: number): number[] {
  const out = new Array<number>(x.length).fill(NaN);
  let kama = x[period - 1]!;
  for (let i = period; i < x.length; i++) {
    let path = 0;
    for (let j = i - period + 1; j <= i; j++) path += Math.abs(x[j]! - x[j - 1]!);
    const net = x[i]! - x[i - period]!;
    const er = path === 0 || path <= net ? 1 : Math.abs(net) / path;
    const sc = (er * (2 / 3 - 2 / 31) + 2 / 31) ** 2;
    kama = kama * (1 - sc) + x[i]! * sc;
    out[i] = kama;
  }
  return out;
}

describe("Kama", () => {
  it("seeds with the value before the first output and moves at full speed on a straight run", () => {
    // period 2, x = 1, 2, 3: ER = 1 → sc = (2/3)² = 4/9; kama = 2 + (3 - 2)·4/9
    const k = new Kama(2);
    expect(k.update(1)).toBeNaN();
    expect(k.update(2)).toBeNaN();
    expect(k.update(3)).toBeCloseTo(2 + 4 / 9, 12);
    expect(k.warmup).toBe(3);
  });

  it("barely moves in a market that goes nowhere (ER 0 → slow constant 2/31)", () => {
    // period 2, x = 1, 2, 1: net 0, path 2 → ER 0, sc = (2/31)²; kama = 2 + (1 - 2)·(2/31)²
    const k = new Kama(2);
    [1, 2].forEach((x) => k.update(x));
    expect(k.update(1)).toBeCloseTo(2 - (2 / 31) ** 2, 12);
  });
});

describeWithSharedCsv("Kama on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [2, 10, 50]) {
    it(`matches per-window efficiency ratios, period ${period}`, () => {
      const k = new Kama(period);
      expectSeries(stream(c.close.length, (i) => k.update(c.close[i]!)), refKama(c.close, period), period, `Kama(${period})`);
    });
  }
});
