import { getBlock, type Candles, type RecordedSeries, type StrategySpec } from "@keyflow/core";
import type { BacktestChart } from "@keyflow/db";
import { bucketCandles, downsampleMinMax, drawdownPct } from "./downsample";

/** Points of the stored overview: about a chart's width in pixels; zooming in fetches bars (`backtests.window`). */
export const CHART_POINTS = 1200;

export interface ChartInput {
  candles: Candles;
  timeframeMs: number;
  equity: Float64Array;
  series: RecordedSeries[];
  spec: StrategySpec;
  /** Flow node id of each spec node (compile's `nodeIds`). */
  nodeIds: string[];
  maxPoints?: number;
  /** Drawdown per bar in %, when the peak it falls from lies before these candles (a window of a run). */
  drawdown?: Float64Array;
}

/** Everything the results chart draws, each series cut down to about `maxPoints` points. */
export function buildChart(input: ChartInput): BacktestChart {
  const max = input.maxPoints ?? CHART_POINTS;
  const time = input.candles.time;
  return {
    candles: bucketCandles(input.candles, max, input.timeframeMs),
    equity: downsampleMinMax(time, input.equity, max),
    drawdown: downsampleMinMax(time, input.drawdown ?? drawdownPct(input.equity), max),
    indicators: input.series.map((s) => {
      const node = input.spec.nodes[s.node];
      const kind = node?.kind ?? "unknown";
      const block = getBlock(kind);
      return {
        nodeId: input.nodeIds[s.node] ?? `#${s.node}`,
        kind,
        port: block?.outputs[s.port]?.name ?? String(s.port),
        // A 0/1 signal (Parabolic SAR's "long") drawn over the price would squash its scale.
        pane: block?.outputs[s.port]?.type === "signal" ? "pane" : (block?.chart ?? "pane"),
        ...downsampleMinMax(time, s.values, max),
      };
    }),
  };
}
