import type { ChartLine } from "./chart";

/**
 * Min/max-preserving downsample of a line to at most `maxPoints` points: the bars are cut into
 * maxPoints/2 buckets and each bucket keeps its lowest and highest point, in time order, so
 * spikes and drawdown troughs survive. NaN (an indicator still warming up) is left out.
 */
export function downsampleMinMax(time: ArrayLike<number>, values: ArrayLike<number>, maxPoints: number): ChartLine {
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
