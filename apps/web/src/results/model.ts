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
