/** Candles as columns: one Float64Array per field, `time` in unix ms UTC of each candle's open. */
export interface Candles {
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** One closed candle, as a live bot receives it. */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export function allocCandles(length: number): Candles {
  return {
    length,
    time: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

/** A view of candles [from, to) sharing memory with the original. */
export function sliceCandles(c: Candles, from: number, to: number): Candles {
  const f = Math.max(0, from);
  const t = Math.min(c.length, to);
  return {
    length: Math.max(0, t - f),
    time: c.time.subarray(f, t),
    open: c.open.subarray(f, t),
    high: c.high.subarray(f, t),
    low: c.low.subarray(f, t),
    close: c.close.subarray(f, t),
    volume: c.volume.subarray(f, t),
  };
}

/** Index of the first candle with time >= t (binary search; candles are ascending). */
export function lowerBound(c: Candles, t: number): number {
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Writes one bar into a [time, open, high, low, close, volume] array (the engine's bar input). */
export function setBar(bar: Float64Array, time: number, open: number, high: number, low: number, close: number, volume: number): void {
  bar[0] = time;
  bar[1] = open;
  bar[2] = high;
  bar[3] = low;
  bar[4] = close;
  bar[5] = volume;
}

