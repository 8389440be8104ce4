import { describe, expect, it } from "vitest";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refRsi, stream } from "./reference.test-helpers";
import { Rsi } from "./rsi";

describe("Rsi", () => {
  it("matches a hand computation with period 3", () => {
    // closes 10, 11, 10.5, 11.5, 12, 11 → changes +1, -0.5, +1, +0.5, -1
    // index 3: avgGain = (1+0+1)/3 = 2/3, avgLoss = 0.5/3 = 1/6 → 100 * (2/3) / (5/6) = 80
    // index 4: gain = (2/3*2 + 0.5)/3 = 11/18, loss = (1/6*2 + 0)/3 = 2/18 → 100 * 11/13
    // index 5: gain = (11/18*2 + 0)/3 = 11/27, loss = (2/18*2 + 1)/3 = 11/27 → 50
    const rsi = new Rsi(3);
    const out = [10, 11, 10.5, 11.5, 12, 11].map((x) => rsi.update(x));
    expect(out.slice(0, 3)).toEqual([NaN, NaN, NaN]);
    expect(out[3]).toBeCloseTo(80, 10);
    expect(out[4]).toBeCloseTo(1100 / 13, 10);
    expect(out[5]).toBeCloseTo(50, 10);
    expect(rsi.warmup).toBe(4);
  });

  it("matches the textbook 14-period example (StockCharts' 33 closes)", () => {
    // First 14 changes: gains sum 3.34, losses sum 1.40 → avgGain 0.238571, avgLoss 0.1
    // → RSI = 100 * 0.238571 / 0.338571 = 70.4641. (StockCharts prints 70.53 because its
    // spreadsheet rounds the averages to 0.24 and 0.10; TA-Lib gives 70.4641 too.)
    // Next: change -0.28 → gain 0.238571*13/14 = 0.221531, loss (0.1*13 + 0.28)/14 = 0.112857
    // → 66.2496; then +0.03 → 66.4809.
    const closes = [
      44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61,
      46.28, 46.28, 46.0, 46.03,
    ];
    const rsi = new Rsi(14);
    const out = closes.map((x) => rsi.update(x));
    expect(Number.isNaN(out[13]!)).toBe(true);
    expect(out[14]).toBeCloseTo(70.46413502, 6);
    expect(out[15]).toBeCloseTo(66.24961855, 6);
    expect(out[16]).toBeCloseTo(66.48094183, 6);
  });

  it("is 100 with no losses and 0 on a flat series (TA-Lib's choice for 0/0)", () => {
    const up = new Rsi(3);
    expect([1, 2, 3, 4, 5].map((x) => up.update(x)).slice(3)).toEqual([100, 100]);
    const flat = new Rsi(3);
    expect([7, 7, 7, 7, 7].map((x) => flat.update(x)).slice(3)).toEqual([0, 0]);
    const down = new Rsi(3);
    expect([5, 4, 3, 2, 1].map((x) => down.update(x)).slice(3)).toEqual([0, 0]);
  });

  it("rejects period 1 (TA-Lib's minimum is 2)", () => {
    expect(() => new Rsi(1)).toThrow(RangeError);
  });
});

describeWithSharedCsv("Rsi on BTC 1h closes", [BTC_1H_FILE], (c) => {
  for (const period of [2, 14, 50]) {
    it(`matches the textbook-form reference, period ${period}`, () => {
      const rsi = new Rsi(period);
      const out = stream(c.close.length, (i) => rsi.update(c.close[i]!));
      expectSeries(out, refRsi(c.close, period), period, `Rsi(${period})`);
    });
  }
});
