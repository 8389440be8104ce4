import { allocCandles } from "@keyflow/core";
import { describe, expect, it } from "vitest";
import { bucketCandles, downsampleMinMax, drawdownPct } from "../src/backtest/downsample";
import { resampleCandles } from "../src/data/resample";

const times = (n: number) => Float64Array.from({ length: n }, (_, i) => i * 60_000);

describe("chart downsampling", () => {
  it("keeps every point of a short series, leaving out NaN warm-up", () => {
    const v = Float64Array.from([NaN, NaN, 1, 2, 3]);
    expect(downsampleMinMax(times(5), v, 2000)).toEqual({ time: [120_000, 180_000, 240_000], value: [1, 2, 3] });
  });

  it("keeps spikes and troughs of a long series within the point budget", () => {
    const n = 100_000;
    const v = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000));
    v[12_345] = 50;
    v[67_890] = -50;
    const d = downsampleMinMax(times(n), v, 2000);
    expect(d.time.length).toBeLessThanOrEqual(2000);
    expect(Math.max(...d.value)).toBe(50);
    expect(Math.min(...d.value)).toBe(-50);
    expect(d.time).toEqual([...d.time].sort((a, b) => a - b));
  });

  it("merges candles into OHLC buckets of whole bars", () => {
    const c = allocCandles(10);
    for (let i = 0; i < 10; i++) {
      c.time[i] = i * 60_000;
      c.open[i] = 100 + i;
      c.high[i] = 110 + i;
      c.low[i] = 90 - i;
      c.close[i] = 101 + i;
      c.volume[i] = 1;
    }
    const b = bucketCandles(c, 4, 60_000);
    expect(b).toEqual({
      bucketMs: 180_000,
      time: [0, 180_000, 360_000, 540_000],
      open: [100, 103, 106, 109],
      high: [112, 115, 118, 119],
      low: [88, 85, 82, 81],
      close: [103, 106, 109, 110],
      volume: [3, 3, 3, 1],
    });
  });

  it("computes drawdown from the running peak in %", () => {
    expect(Array.from(drawdownPct(Float64Array.from([100, 120, 90, 130, 65])))).toEqual([0, 0, -25, 0, -50]);
  });

  it("resamples 1m candles into aligned hours", () => {
    const c = allocCandles(125);
    for (let i = 0; i < 125; i++) {
      c.time[i] = 30 * 60_000 + i * 60_000;
      c.open[i] = i;
      c.high[i] = i + 1;
      c.low[i] = i - 1;
      c.close[i] = i + 0.5;
      c.volume[i] = 2;
    }
    const h = resampleCandles(c, 3_600_000);
    expect(Array.from(h.time)).toEqual([0, 3_600_000, 7_200_000]);
    expect(Array.from(h.open)).toEqual([0, 30, 90]);
    expect(Array.from(h.close)).toEqual([29.5, 89.5, 124.5]);
    expect(Array.from(h.high)).toEqual([30, 90, 125]);
    expect(Array.from(h.low)).toEqual([-1, 29, 89]);
    expect(Array.from(h.volume)).toEqual([60, 120, 70]);
  });
});
