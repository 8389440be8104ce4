import { describe, expect, it } from "vitest";
import type { Candles } from "../data/candles";
import { Bbands } from "./bbands";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refBbands } from "./reference.test-helpers";

describe("Bbands", () => {
  it("uses the population standard deviation", () => {
    // window 1, 2, 3: mean 2, variance (1 + 0 + 1)/3 = 2/3, sd 0.816497; mult 2 → ± 1.632993
    // window 2, 3, 7: mean 4, variance (4 + 1 + 9)/3 = 14/3, sd 2.160247 → ± 4.320494
    const bb = new Bbands(3, 2);
    expect(bb.warmup).toBe(3);
    expect(bb.update(1)).toBeNaN();
    expect(bb.update(2)).toBeNaN();
    expect(bb.upper).toBeNaN();
    expect(bb.update(3)).toBe(2);
    expect(bb.middle).toBe(2);
    expect(bb.upper).toBeCloseTo(2 + 2 * Math.sqrt(2 / 3), 12);
    expect(bb.lower).toBeCloseTo(2 - 2 * Math.sqrt(2 / 3), 12);
    expect(bb.update(7)).toBeCloseTo(4, 12);
    expect(bb.stdDev).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(bb.upper).toBeCloseTo(4 + 2 * Math.sqrt(14 / 3), 12);
  });

  it("has zero width on a constant series at BTC prices", () => {
    const bb = new Bbands(20, 2);
    for (let i = 0; i < 100; i++) bb.update(61234.57);
    expect(bb.stdDev).toBe(0);
    expect(bb.upper).toBe(61234.57);
    expect(bb.lower).toBe(61234.57);
  });

  it("has zero width as soon as a moving market goes flat for a whole window", () => {
    const bb = new Bbands(5, 2);
    for (const x of [61000.1, 61500.3, 60900.7, 61234.57, 61234.57, 61234.57, 61234.57]) bb.update(x);
    expect(bb.stdDev).toBeGreaterThan(0);
    bb.update(61234.57); // fifth identical value: the window is flat
    expect(bb.stdDev).toBe(0);
    expect(bb.middle).toBe(61234.57);
  });
});

function checkBands(c: Candles, period: number, mult: number): void {
  const bb = new Bbands(period, mult);
  const n = c.close.length;
  const out = { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n), sd: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    out.middle[i] = bb.update(c.close[i]!);
    out.upper[i] = bb.upper;
    out.lower[i] = bb.lower;
    out.sd[i] = bb.stdDev;
  }
  const ref = refBbands(c.close, period, mult);
  const label = `Bbands(${period}, ${mult})`;
  expectSeries(out.middle, ref.middle, period - 1, `${label}.middle`);
  expectSeries(out.upper, ref.upper, period - 1, `${label}.upper`);
  expectSeries(out.lower, ref.lower, period - 1, `${label}.lower`);
  // The width itself, not just price-sized bands, must hold 1e-9: this is what a
  // sum-of-squares update loses on prices near 60000.
  expectSeries(out.sd, ref.stdDev, period - 1, `${label}.stdDev`);
}

describeWithSharedCsv("Bbands on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const [period, mult] of [
    [20, 2],
    [5, 1.5],
    [100, 3],
  ] as const) {
    it(`matches two-pass bands and standard deviation, (${period}, ${mult})`, () => checkBands(c, period, mult));
  }
});

const BTC_1M_FILE = "binance-BTCUSDT-1m.csv";
describeWithSharedCsv("Bbands on BTC 1m closes (quiet windows, prices ~60000)", [BTC_1M_FILE], (c) => {
  it("keeps the standard deviation within 1e-9 relative", () => checkBands(c, 20, 2));
});
