import { describe, expect, it } from "vitest";
import { Macd } from "./macd";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refMacd, stream } from "./reference.test-helpers";

describe("Macd", () => {
  it("seeds both EMAs on the slow seed bar, the fast one from the tail of that window", () => {
    // fast 2 (k 2/3), slow 3 (k 1/2), signal 2 (k 2/3); x = 1, 2, 3, 6, 4
    // index 2: slow seed (1+2+3)/3 = 2, fast seed (2+3)/2 = 2.5 (NOT (1+2)/2), line 0.5
    // index 3: fast 2.5 + (6-2.5)*2/3 = 29/6, slow 2 + (6-2)/2 = 4, line 5/6;
    //          signal seed (0.5 + 5/6)/2 = 2/3, hist 5/6 - 2/3 = 1/6   ← first output
    // index 4: fast 29/6 + (4-29/6)*2/3 = 77/18, slow 4, line 5/18;
    //          signal 2/3 + (5/18 - 2/3)*2/3 = 11/27, hist 5/18 - 11/27 = -7/54
    const macd = new Macd(2, 3, 2);
    expect(macd.warmup).toBe(4);
    const out = [1, 2, 3].map((x) => macd.update(x));
    expect(out).toEqual([NaN, NaN, NaN]);
    expect(macd.signal).toBeNaN();
    expect(macd.update(6)).toBeCloseTo(5 / 6, 12);
    expect(macd.signal).toBeCloseTo(2 / 3, 12);
    expect(macd.hist).toBeCloseTo(1 / 6, 12);
    expect(macd.update(4)).toBeCloseTo(5 / 18, 12);
    expect(macd.macd).toBeCloseTo(5 / 18, 12);
    expect(macd.signal).toBeCloseTo(11 / 27, 12);
    expect(macd.hist).toBeCloseTo(-7 / 54, 12);
  });

  it("swaps fast and slow when fast > slow, as TA-Lib does", () => {
    const a = new Macd(3, 2, 2);
    const b = new Macd(2, 3, 2);
    const xs = [1, 2, 3, 6, 4, 5, 9, 7];
    expect(xs.map((x) => a.update(x))).toEqual(xs.map((x) => b.update(x)));
    expect(a.warmup).toBe(4);
  });
});

describeWithSharedCsv("Macd on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const [f, s, g] of [
    [12, 26, 9],
    [5, 35, 5],
    [2, 3, 1],
    [26, 12, 9],
  ] as const) {
    it(`matches the reference MACD, signal and histogram for (${f}, ${s}, ${g})`, () => {
      const macd = new Macd(f, s, g);
      const n = c.close.length;
      const line = new Float64Array(n);
      const signal = new Float64Array(n);
      const hist = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        line[i] = macd.update(c.close[i]!);
        signal[i] = macd.signal;
        hist[i] = macd.hist;
        if (!Number.isNaN(line[i]!)) expect(macd.macd).toBe(line[i]);
      }
      const first = Math.max(f, s) + g - 2;
      expect(macd.warmup).toBe(first + 1);
      const ref = refMacd(c.close, f, s, g);
      expectSeries(line, ref.macd, first, `Macd(${f},${s},${g}).macd`);
      expectSeries(signal, ref.signal, first, `Macd(${f},${s},${g}).signal`);
      expectSeries(hist, ref.hist, first, `Macd(${f},${s},${g}).hist`);
    });
  }
});
