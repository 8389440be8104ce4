import { describe, expect, it } from "vitest";
import {
  BTC_1H_FILE,
  describeWithSharedCsv,
  expectSeries,
  refVwapRolling,
  refVwapSession,
  stream,
} from "./reference.test-helpers";
import { Vwap } from "./vwap";

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe("Vwap", () => {
  it("session mode weights hlc3 by volume and restarts at each UTC midnight", () => {
    // day 0, 22:00: tp (12+9+9)/3 = 10, vol 1 → 10
    // day 0, 23:00: tp (21+18+21)/3 = 20, vol 3 → (10 + 60)/4 = 17.5
    // day 1, 00:00: tp 30, vol 2 → new session → 30
    const vw = new Vwap("session");
    expect(vw.warmup).toBe(1);
    expect(vw.update(22 * HOUR, 12, 9, 9, 1)).toBe(10);
    expect(vw.update(23 * HOUR, 21, 18, 21, 3)).toBe(17.5);
    expect(vw.update(DAY, 30, 30, 30, 2)).toBe(30);
  });

  it("returns the typical price when the volume so far is zero", () => {
    const vw = new Vwap("session");
    expect(vw.update(0, 12, 9, 9, 0)).toBe(10);
    const rolling = new Vwap("rolling", 2);
    expect(rolling.update(0, 3, 3, 3, 5)).toBeNaN();
    expect(rolling.update(HOUR, 4, 4, 4, 0)).toBe(3); // (3*5 + 4*0) / 5
    expect(rolling.update(2 * HOUR, 6, 6, 6, 0)).toBe(6); // window has no volume → tp
  });

  it("rolling mode covers the last `period` bars", () => {
    // period 2: bars tp 10 (v 1), 20 (v 1), 40 (v 2) → [NaN, 15, (20 + 80)/3]
    const vw = new Vwap("rolling", 2);
    expect(vw.warmup).toBe(2);
    expect(vw.update(0, 10, 10, 10, 1)).toBeNaN();
    expect(vw.update(HOUR, 20, 20, 20, 1)).toBe(15);
    expect(vw.update(2 * HOUR, 40, 40, 40, 2)).toBeCloseTo(100 / 3, 12);
  });

  it("rejects rolling mode without a period", () => {
    expect(() => new Vwap("rolling")).toThrow(RangeError);
  });
});

describeWithSharedCsv("Vwap on BTC 1h candles", [BTC_1H_FILE], (c) => {
  it("session mode matches summing each UTC day from scratch", () => {
    const vw = new Vwap("session");
    const out = stream(c.close.length, (i) => vw.update(c.time[i]!, c.high[i]!, c.low[i]!, c.close[i]!, c.volume[i]!));
    expectSeries(out, refVwapSession(c.time, c.high, c.low, c.close, c.volume), 0, "Vwap(session)");
  });

  for (const period of [1, 24, 168]) {
    it(`rolling mode matches from-scratch windows, period ${period}`, () => {
      const vw = new Vwap("rolling", period);
      const out = stream(c.close.length, (i) => vw.update(c.time[i]!, c.high[i]!, c.low[i]!, c.close[i]!, c.volume[i]!));
      expectSeries(out, refVwapRolling(c.high, c.low, c.close, c.volume, period), period - 1, `Vwap(rolling ${period})`);
    });
  }
});
