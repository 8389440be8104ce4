import { describe, expect, it } from "vitest";
import { generateDemoCandles, mulberry32 } from "./demo";

const START = Date.UTC(2024, 0, 1);

describe("generateDemoCandles", () => {
  it("is deterministic: the same options give the same candles bit for bit", () => {
    const a = generateDemoCandles({ seed: 7, timeframe: "1m", start: START, bars: 20_000 });
    const b = generateDemoCandles({ seed: 7, timeframe: "1m", start: START, bars: 20_000 });
    for (const k of ["time", "open", "high", "low", "close", "volume"] as const) expect(Buffer.from(b[k].buffer).equals(Buffer.from(a[k].buffer))).toBe(true);
    const c = generateDemoCandles({ seed: 8, timeframe: "1m", start: START, bars: 20_000 });
    expect(Buffer.from(c.close.buffer).equals(Buffer.from(a.close.buffer))).toBe(false);
  });

  it("pins the first values so an accidental change to the generator shows up", () => {
    const c = generateDemoCandles({ seed: 42, timeframe: "1h", start: START, bars: 3 });
    expect([...c.time]).toEqual([START, START + 3_600_000, START + 7_200_000]);
    expect(c.open[0]).toBe(20_000);
    expect(c.open[1]).toBe(c.close[0]);
    expect(c.close[2]).toMatchInlineSnapshot(`19853.84`);
  });

  it("produces consistent candles on a time grid: low ≤ open, close ≤ high, positive volume", () => {
    const c = generateDemoCandles({ seed: 1, timeframe: "5m", start: START + 123, bars: 100_000 });
    expect(c.time[0]).toBe(START);
    for (let i = 0; i < c.length; i++) {
      if (i > 0 && (c.time[i]! - c.time[i - 1]! !== 300_000 || c.open[i] !== c.close[i - 1])) throw new Error(`not contiguous at ${i}`);
      const ok = c.low[i]! <= Math.min(c.open[i]!, c.close[i]!) && c.high[i]! >= Math.max(c.open[i]!, c.close[i]!) && c.volume[i]! > 0 && c.low[i]! > 0;
      if (!ok) throw new Error(`bad candle at ${i}`);
    }
  });

  it("has regimes: volatility differs strongly between months", () => {
    const c = generateDemoCandles({ seed: 3, timeframe: "1h", start: START, bars: 24 * 365 });
    const monthlyVol: number[] = [];
    for (let m = 0; m < 12; m++) {
      let s = 0;
      const from = m * 730 + 1;
      for (let i = from; i < from + 729; i++) s += Math.log(c.close[i]! / c.close[i - 1]!) ** 2;
      monthlyVol.push(Math.sqrt(s / 729));
    }
    expect(Math.max(...monthlyVol) / Math.min(...monthlyVol)).toBeGreaterThan(1.5);
  });

  it("shapes volume by the hour of day (US session busier than the Asian night)", () => {
    const c = generateDemoCandles({ seed: 5, timeframe: "1h", start: START, bars: 24 * 200 });
    const byHour = new Float64Array(24);
    for (let i = 0; i < c.length; i++) byHour[new Date(c.time[i]!).getUTCHours()]! += c.volume[i]!;
    expect(byHour[14]! / byHour[4]!).toBeGreaterThan(1.5);
  });

  it("mulberry32 gives uniform numbers in [0, 1)", () => {
    const r = mulberry32(123);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      if (x < 0 || x >= 1) throw new Error("out of range");
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });
});
