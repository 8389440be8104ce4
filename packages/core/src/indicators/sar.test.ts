import { describe, expect, it } from "vitest";
import { Sar } from "./sar";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, stream } from "./reference.test-helpers";

/**
 * Wilder's SAR over whole arrays, written with a direction sign d (+1 long, -1 short) so that
 * both sides share one formula; TA-Lib's start rule and clamps (see sar.ts).
 */
function refSar(h: ArrayLike<number>, l: ArrayLike<number>, step: number, max: number): number[] {
  const out = new Array<number>(h.length).fill(NaN);
  step = Math.min(step, max);
  const minusDm = l[0]! - l[1]!;
  let d = minusDm > 0 && minusDm > h[1]! - h[0]! ? -1 : 1;
  let sar = d > 0 ? l[0]! : h[0]!;
  let ep = d > 0 ? h[1]! : l[1]!;
  let af = step;
  // "Outside the range" of a set of bars: below their lows when long, above their highs when short.
  const outside = (v: number, bars: number[]) =>
    d > 0 ? Math.min(v, ...bars.map((b) => l[b]!)) : Math.max(v, ...bars.map((b) => h[b]!));
  for (let i = 1; i < h.length; i++) {
    const range = [Math.max(i - 1, 1), i];
    const penetrated = d > 0 ? l[i]! <= sar : h[i]! >= sar;
    if (penetrated) {
      d = -d;
      sar = outside(ep, range);
      out[i] = sar;
      af = step;
      ep = d > 0 ? h[i]! : l[i]!;
    } else {
      out[i] = sar;
      const extreme = d > 0 ? h[i]! : l[i]!;
      if ((extreme - ep) * d > 0) {
        ep = extreme;
        af = Math.min(af + step, max);
      }
    }
    sar = outside(sar + af * (ep - sar), range);
  }
  return out;
}

describe("Sar", () => {
  it("starts long below bar 0's low and accelerates with each new high", () => {
    const s = new Sar(0.02, 0.2);
    expect(s.update(10, 9)).toBeNaN();
    // bar 1 higher: long; SAR = low[0] = 9, EP = 11; next = 9 + 0.02·(11 - 9) = 9.04 → min with lows 9.5
    expect(s.update(11, 9.5)).toBe(9);
    expect(s.long).toBe(1);
    // bar 2 new high 12 → af 0.04, EP 12: next = 9.04 + 0.04·(12 - 9.04) = 9.1584
    expect(s.update(12, 10)).toBeCloseTo(9.04, 12);
    expect(s.update(12.5, 11)).toBeCloseTo(9.1584, 12);
  });

  it("reverses to the extreme point when the low pierces the SAR", () => {
    const s = new Sar(0.02, 0.2);
    s.update(10, 9);
    s.update(11, 9.5); // long, next SAR 9.04
    expect(s.update(10, 8)).toBe(11); // low 8 <= 9.04: short at EP 11 (above both highs 11, 10)
    expect(s.long).toBe(0);
  });

  it("starts short when bar 1 makes the larger move down", () => {
    const s = new Sar(0.02, 0.2);
    s.update(10, 9);
    expect(s.update(9.8, 8)).toBe(10); // SAR = high[0]
    expect(s.long).toBe(0);
  });
});

describeWithSharedCsv("Sar on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const [step, max] of [
    [0.02, 0.2],
    [0.01, 0.1],
    [0.3, 0.2],
  ] as const) {
    it(`matches a whole-array SAR, (${step}, ${max})`, () => {
      const s = new Sar(step, max);
      expectSeries(stream(c.high.length, (i) => s.update(c.high[i]!, c.low[i]!)), refSar(c.high, c.low, step, max), 1, `Sar(${step},${max})`);
    });
  }
});
