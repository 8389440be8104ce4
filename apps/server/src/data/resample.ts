import type { Candles } from "@keyflow/core";
import { allocPackedCandles } from "@keyflow/db";

/** Aggregates ascending candles into buckets aligned to `bucketMs` (first open, max high, min low, last close, summed volume). */
export function resampleCandles(c: Candles, bucketMs: number): Candles {
  const n = c.length;
  let buckets = 0;
  let last = NaN;
  for (let i = 0; i < n; i++) {
    const b = Math.floor(c.time[i]! / bucketMs);
    if (b !== last) (buckets++, (last = b));
  }
  const out = allocPackedCandles(buckets);
  let k = -1;
  last = NaN;
  for (let i = 0; i < n; i++) {
    const b = Math.floor(c.time[i]! / bucketMs);
    if (b !== last) {
      last = b;
      k++;
      out.time[k] = b * bucketMs;
      out.open[k] = c.open[i]!;
      out.high[k] = c.high[i]!;
      out.low[k] = c.low[i]!;
      out.volume[k] = 0;
    }
    if (c.high[i]! > out.high[k]!) out.high[k] = c.high[i]!;
    if (c.low[i]! < out.low[k]!) out.low[k] = c.low[i]!;
    out.close[k] = c.close[i]!;
    out.volume[k] = out.volume[k]! + c.volume[i]!;
  }
  return out;
}
