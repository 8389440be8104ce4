import { z } from "zod";

/** A line for the chart: parallel arrays of unix ms and values, already downsampled. */
export const chartLineSchema = z.object({
  time: z.array(z.number()),
  value: z.array(z.number()),
});
export type ChartLine = z.infer<typeof chartLineSchema>;

/** What a stored backtest keeps for drawing its result; every series holds at most a few thousand points. */
export const backtestChartSchema = z.object({
  /** OHLC buckets: each bucket spans `bucketMs` (a multiple of the timeframe). */
  candles: z.object({
    bucketMs: z.number(),
    time: z.array(z.number()),
    open: z.array(z.number()),
    high: z.array(z.number()),
    low: z.array(z.number()),
    close: z.array(z.number()),
    volume: z.array(z.number()),
  }),
  /** Equity at bar closes, min/max-preserving downsample. */
  equity: chartLineSchema,
  /** Drawdown from the running peak in % (0 or negative), min/max-preserving downsample. */
  drawdown: chartLineSchema,
  /** Indicator outputs recorded during the run, keyed by the flow's node id and output port. */
  indicators: z.array(
    chartLineSchema.extend({
      nodeId: z.string(),
      kind: z.string(),
      port: z.string(),
      /** Draw over the price (moving averages, bands) or in a pane of its own (RSI, MACD). */
      pane: z.enum(["overlay", "pane"]),
    }),
  ),
});
export type BacktestChart = z.infer<typeof backtestChartSchema>;
