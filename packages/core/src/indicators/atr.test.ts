import { describe, expect, it } from "vitest";
import { Atr } from "./atr";
import { BTC_1H_FILE, describeWithSharedCsv, expectSeries, refAtr, stream } from "./reference.test-helpers";

describe("Atr", () => {
  it("averages the first `period` true ranges, then smooths with Wilder", () => {
    // bar 0 (h 10, l 8, c 9): only a previous close.
    // bar 1 (11, 9, 10):  TR = max(2, |11-9|, |9-9|) = 2
    // bar 2 (12, 11, 11.5): TR = max(1, |12-10|, |11-10|) = 2
    //   ATR(2) at bar 2 = (2 + 2)/2 = 2
    // bar 3 (11, 7, 8): TR = max(4, |11-11.5|, |7-11.5|) = 4.5 → (2*1 + 4.5)/2 = 3.25
    const atr = new Atr(2);
    expect(atr.warmup).toBe(3);
    expect(atr.update(10, 8, 9)).toBeNaN();
    expect(atr.update(11, 9, 10)).toBeNaN();
    expect(atr.update(12, 11, 11.5)).toBe(2);
    expect(atr.update(11, 7, 8)).toBe(3.25);
  });

  it("with period 1 is the true range", () => {
    const atr = new Atr(1);
    expect(atr.update(10, 8, 9)).toBeNaN();
    expect(atr.update(11, 9, 10)).toBe(2);
    expect(atr.update(11, 7, 8)).toBe(4);
  });
});

describeWithSharedCsv("Atr on BTC 1h candles", [BTC_1H_FILE], (c) => {
  for (const period of [1, 14, 50]) {
    it(`matches the reference ATR, period ${period}`, () => {
      const atr = new Atr(period);
      const out = stream(c.close.length, (i) => atr.update(c.high[i]!, c.low[i]!, c.close[i]!));
      expectSeries(out, refAtr(c.high, c.low, c.close, period), period, `Atr(${period})`);
    });
  }
});
