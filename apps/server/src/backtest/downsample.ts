import type { Candles } from "@keyflow/core";
import type { BacktestChart, ChartLine } from "@keyflow/db";

/**
 * Min/max-preserving downsample of a line to at most `maxPoints` points: the bars are cut into
 * maxPoints/2 buckets and each bucket keeps its lowest and highest point, in time order, so
 * spikes and drawdown troughs survive. NaN (an indicator still warming up) is left out.
 */
export function downsampleMinMax(time: Float64Array, values: Float64Array, maxPoints: number): ChartLine {
  const n = values.length;
  const out: ChartLine = { time: [], value: [] };
  const push = (i: number) => {
    out.time.push(time[i]!);
    out.value.push(values[i]!);
  };
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) if (!Number.isNaN(values[i]!)) push(i);
    return out;
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue;
      if (lo < 0 || v < values[lo]!) lo = i;
      if (hi < 0 || v > values[hi]!) hi = i;
    }
    if (lo < 0) continue;
    if (lo === hi) push(lo);
    else if (lo < hi) (push(lo), push(hi));
    else (push(hi), push(lo));
  }
  return out;
}

/** Candles merged into at most `maxBuckets` OHLC buckets of whole bars (first open, highest high, lowest low, last close, summed volume). */
export function bucketCandles(c: Candles, maxBuckets: number, timeframeMs: number): BacktestChart["candles"] {
  const n = c.length;
  const per = Math.max(1, Math.ceil(n / maxBuckets));
  const out: BacktestChart["candles"] = { bucketMs: per * timeframeMs, time: [], open: [], high: [], low: [], close: [], volume: [] };
  for (let from = 0; from < n; from += per) {
    const to = Math.min(n, from + per);
    let high = -Infinity;
    let low = Infinity;
    let volume = 0;
    for (let i = from; i < to; i++) {
      if (c.high[i]! > high) high = c.high[i]!;
      if (c.low[i]! < low) low = c.low[i]!;
      volume += c.volume[i]!;
    }
    out.time.push(c.time[from]!);
    out.open.push(c.open[from]!);
    out.high.push(high);
    out.low.push(low);
    out.close.push(c.close[to - 1]!);
    out.volume.push(volume);
  }
  return out;
}

/** Drawdown from the running peak of equity, in % (0 at a new high, negative below it). */
export function drawdownPct(equity: Float64Array): Float64Array {
  const dd = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) peak = e;
    dd[i] = peak > 0 ? (e / peak - 1) * 100 : 0;
  }
  return dd;
}
