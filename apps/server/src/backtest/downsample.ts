import type { Candles } from "@keyflow/core";
import type { BacktestChart } from "@keyflow/db";

/** One place for the min/max downsample: core (the web draws the stitched walk-forward curve with it too). */
export { downsampleMinMax } from "@keyflow/core";

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
