import type { Candles, RecordedSeries } from "@keyflow/core";
import type { BacktestChart } from "@keyflow/db";
import { buildChart, type ChartInput } from "./chart";

/** A finished run replayed with its recorded series, for windows at bar resolution. */
export interface Replayed {
  runId: string;
  candles: Candles;
  equity: Float64Array;
  series: RecordedSeries[];
  /** Drawdown per bar from the run's running peak, in %. */
  drawdown: Float64Array;
  spec: ChartInput["spec"];
  nodeIds: string[];
  timeframeMs: number;
}

/** First index whose time is ≥ t. */
function lowerBound(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The window [from, to) of a replayed run: candles, every recorded indicator, equity and drawdown, cut to `maxPoints`. */
export function windowChart(r: Replayed, from: number, to: number, maxPoints: number): BacktestChart {
  const lo = lowerBound(r.candles.time, from);
  const hi = lowerBound(r.candles.time, to);
  const cut = (a: Float64Array) => a.subarray(lo, hi);
  const c = r.candles;
  const candles: Candles = { length: hi - lo, time: cut(c.time), open: cut(c.open), high: cut(c.high), low: cut(c.low), close: cut(c.close), volume: cut(c.volume) };
  return buildChart({
    candles,
    timeframeMs: r.timeframeMs,
    equity: cut(r.equity),
    drawdown: cut(r.drawdown),
    series: r.series.map((s) => ({ ...s, values: cut(s.values) })),
    spec: r.spec,
    nodeIds: r.nodeIds,
    maxPoints,
  });
}
