import type { Metrics, OpenPosition, Trade } from "@keyflow/core";

/** Columns of the chart's candles (already downsampled by the server); times in unix ms. */
export interface CandleColumns {
  /** Span of one candle in ms: the market's timeframe, or more when the server merged candles. */
  bucketMs?: number;
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
}

export interface LineColumns {
  time: number[];
  value: (number | null)[];
}

export interface IndicatorLine extends LineColumns {
  /** Flow node the line belongs to, and its output port. */
  nodeId: string;
  port: string;
  label: string;
  /** Over the candles, or in a pane of its own (oscillators). */
  chart: "overlay" | "pane";
  /** Constant thresholds the flow compares this output with (RSI 30 / 70), drawn as levels. */
  levels?: number[];
}

/** What the results view draws; built from the server's result by `api.ts`. */
export interface RunView {
  id: string;
  strategyName: string;
  createdAt: number;
  market: { exchange: string; symbol: string; timeframe: string };
  from: number;
  to: number;
  bars: number;
  specHash: string;
  durationMs: number | null;
  metrics: Metrics;
  trades: Trade[];
  openPosition: OpenPosition | null;
  candles: CandleColumns;
  equity: LineColumns;
  /** Drawdown from the running peak in %, ≤ 0. */
  drawdown: LineColumns;
  indicators: IndicatorLine[];
}

/** A past run in the list. */
export interface RunSummary {
  id: string;
  createdAt: number;
  status: string;
  market: { exchange: string; symbol: string; timeframe: string };
  from: number | null;
  to: number | null;
  totalReturnPct: number | null;
  trades: number | null;
  specHash: string | null;
  error: string | null;
}

/** Drawdown in % from an equity curve, when the server does not send one. */
export function drawdownOf(equity: LineColumns): LineColumns {
  let peak = -Infinity;
  const value = equity.value.map((v) => {
    if (v === null) return null;
    if (v > peak) peak = v;
    return peak > 0 ? ((v - peak) / peak) * 100 : 0;
  });
  return { time: equity.time, value };
}
