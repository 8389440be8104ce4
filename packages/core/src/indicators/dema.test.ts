import { describe, expect, it } from "vitest";
import { Dema } from "./dema";
import { Tema } from "./tema";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refEma, refEmaFrom, stream } from "./reference.test-helpers";

/** e1 = EMA(x); each further EMA runs over the previous one from its first value. */
function emaChain(x: ArrayLike<number>, period: number): [number[], number[], number[]] {
  const e1 = refEma(x, period);
  const e2 = refEmaFrom(e1, period, 2 * period - 2);
  const e3 = refEmaFrom(e2, period, 3 * period - 3);
  return [e1, e2, e3];
}

describe("Dema / Tema", () => {
  it("combine EMAs of EMAs, first output at 2(p-1) and 3(p-1)", () => {
    // p = 2 (k = 2/3), x = 1, 3, 5, 7, 9 (a straight line): e1 = 2, 4, 6, 8 from index 1;
    // e2 seeded at index 2 = (2 + 4)/2 = 3, then 3 + (6 - 3)·2/3 = 5, 7 → DEMA = 2e1 - e2 = 5, 7, 9
    const d = new Dema(2);
    expect([1, 3, 5, 7, 9].map((x) => d.update(x))).toEqual([NaN, NaN, 5, 7, 9]);
    expect(d.warmup).toBe(3);
    // e3 seeded at index 3 = (3 + 5)/2 = 4 (e2 = 3, 5 at indexes 2, 3) → TEMA = 3·6 - 3·5 + 4 = 7
    const t = new Tema(2);
    const out = [1, 3, 5, 7, 9].map((x) => t.update(x));
    expect(out.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(out[3]).toBeCloseTo(7, 12);
    expect(t.warmup).toBe(4);
  });
});

describeWithSharedCsv("Dema / Tema on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [2, 9, 30]) {
    it(`match EMA chains written over whole arrays, period ${period}`, () => {
      const [e1, e2, e3] = emaChain(c.close, period);
      const d = new Dema(period);
      const t = new Tema(period);
      expectSeries(stream(c.close.length, (i) => d.update(c.close[i]!)), e1.map((v, i) => 2 * v - e2[i]!), 2 * period - 2, `Dema(${period})`);
      expectSeries(
        stream(c.close.length, (i) => t.update(c.close[i]!)),
        e1.map((v, i) => 3 * (v - e2[i]!) + e3[i]!),
        3 * period - 3,
        `Tema(${period})`,
      );
    });
  }
});
