import { describe, expect, it } from "vitest";
import { StochRsi } from "./stochRsi";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refRsi } from "./reference.test-helpers";

function refStochRsi(x: ArrayLike<number>, rsiPeriod: number, kPeriod: number, dPeriod: number): { k: number[]; d: number[] } {
  const rsi = refRsi(x, rsiPeriod);
  const kRaw = rsi.map((r, i) => {
    const w = rsi.slice(i - kPeriod + 1, i + 1);
    if (i - kPeriod + 1 < rsiPeriod) return NaN;
    const hi = Math.max(...w);
    const lo = Math.min(...w);
    return hi === lo ? 0 : ((r - lo) / (hi - lo)) * 100;
  });
  const first = rsiPeriod + kPeriod + dPeriod - 2;
  const d = kRaw.map((_, i) => (i < first ? NaN : kRaw.slice(i - dPeriod + 1, i + 1).reduce((a, b) => a + b, 0) / dPeriod));
  return { k: kRaw.map((v, i) => (i < first ? NaN : v)), d };
}

describe("StochRsi", () => {
  it("is 100 at the top of the RSI's recent range, 0 at the bottom, and 0 on a flat RSI", () => {
    const s = new StochRsi(2, 2, 1);
    // RSI(2) of 1, 2, 3 is 100 (index 2), of ..., 2 drops; %K over 2 RSI values
    const out = [1, 2, 3, 2, 4].map((x) => s.update(x));
    expect(s.warmup).toBe(4);
    expect(out.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(out[3]).toBe(0); // RSI fell from 100: at the bottom of its 2-value range
    expect(out[4]).toBe(100);
    const flat = new StochRsi(2, 2, 1);
    expect([1, 2, 3, 4].map((x) => flat.update(x))[3]).toBe(0); // RSI 100, 100: no range
  });
});

describeWithSharedCsv("StochRsi on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const [r, k, d] of [
    [14, 14, 3],
    [14, 5, 3],
    [2, 3, 1],
  ] as const) {
    it(`matches the stochastic of a whole-array RSI, (${r}, ${k}, ${d})`, () => {
      const s = new StochRsi(r, k, d);
      const n = c.close.length;
      const ks = new Float64Array(n);
      const ds = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        ks[i] = s.update(c.close[i]!);
        ds[i] = Number.isNaN(ks[i]!) ? NaN : s.d;
      }
      const ref = refStochRsi(c.close, r, k, d);
      expectSeries(ks, ref.k, r + k + d - 2, `StochRsi(${r},${k},${d}).k`);
      expectSeries(ds, ref.d, r + k + d - 2, `StochRsi(${r},${k},${d}).d`);
    });
  }
});
