import { z } from "zod";

export const exitReasonSchema = z.enum(["signal", "stopLoss", "takeProfit", "trailingStop"]);
export type ExitReason = z.infer<typeof exitReasonSchema>;

/** A closed round trip. Times are unix ms of the bar whose price filled the order. */
export const tradeSchema = z.object({
  side: z.literal("long"),
  entryTime: z.number(),
  entryPrice: z.number(),
  exitTime: z.number(),
  exitPrice: z.number(),
  qty: z.number(),
  /** Net of entry and exit fees. */
  pnl: z.number(),
  fees: z.number(),
  /** pnl relative to the cash spent on entry (price × qty + entry fee), in %. */
  returnPct: z.number(),
  exitReason: exitReasonSchema,
});
export type Trade = z.infer<typeof tradeSchema>;

/** A position still open after the last bar, marked to the last close (not force-closed). */
export const openPositionSchema = z.object({
  side: z.literal("long"),
  entryTime: z.number(),
  entryPrice: z.number(),
  qty: z.number(),
  markTime: z.number(),
  markPrice: z.number(),
  /** Value at the mark minus the cash spent on entry (entry fee included; no exit fee assumed). */
  unrealizedPnl: z.number(),
  fees: z.number(),
  returnPct: z.number(),
});
export type OpenPosition = z.infer<typeof openPositionSchema>;

/**
 * Where backtesting.py defines a measure differently from us, its number under its own name, so a
 * person comparing the two tools sees the same figure (definitions in docs/metrics.md).
 */
export const backtestingPyMetricsSchema = z.object({
  /** Sum of winning trades' returns ÷ sum of losing trades' returns (returns, not money); null without a loss. */
  profitFactor: z.number().nullable(),
  /** Geometric mean of the trades' returns, in %. */
  avgTradePct: z.number(),
  /** Arithmetic mean of the trades' returns, in % ("Expectancy [%]"). */
  expectancyPct: z.number(),
  /** Bars from each entry bar to its exit bar inclusive, closed trades only, over all bars, in %. */
  exposurePct: z.number(),
  /** From the close of the first bar where every indicator has a value to the last close, in %. */
  buyHoldReturnPct: z.number(),
});
export type BacktestingPyMetrics = z.infer<typeof backtestingPyMetricsSchema>;

/** Every field is defined in docs/metrics.md. Money is in the quote currency; times in ms. */
export const metricsSchema = z.object({
  finalEquity: z.number(),
  totalReturnPct: z.number(),
  /** From the first close to the last close. */
  buyHoldReturnPct: z.number(),
  /** Compound annual growth over the span of the candles. */
  cagrPct: z.number(),
  maxDrawdownPct: z.number(),
  /** Longest time from an equity peak to its recovery (or to the end, if it never recovered). */
  maxDrawdownDurationMs: z.number(),
  /** CAGR ÷ max drawdown; null without a drawdown. */
  calmar: z.number().nullable(),
  /** Annualised with `barMs`, the candles' own spacing. */
  sharpe: z.number(),
  sortino: z.number(),
  /** Median spacing of the candle times: the bar length used to annualise. */
  barMs: z.number(),
  /** Set when the candles' spacing differs from the flow's timeframe. */
  timeframeWarning: z.string().nullable(),
  trades: z.number().int(),
  winRatePct: z.number(),
  /** Gross profit ÷ gross loss, in money; null when there was no losing trade. */
  profitFactor: z.number().nullable(),
  /** Arithmetic mean of the trades' returnPct. */
  avgTradePct: z.number(),
  /** Mean net P&L per trade, in money. */
  expectancy: z.number(),
  /** System quality number: √trades × mean P&L ÷ standard deviation of P&L; null below two trades or without spread. */
  sqn: z.number().nullable(),
  /** Best and worst net P&L of a trade, in money; null without a win (a loss). */
  largestWin: z.number().nullable(),
  largestLoss: z.number().nullable(),
  longestLosingStreak: z.number().int(),
  /** Mean bars from the entry fill's bar to the exit fill's bar. */
  avgBarsHeld: z.number(),
  /** Bars that closed with a position held, over all bars. */
  exposurePct: z.number(),
  fees: z.number(),
  // The strategy tester's report. Optional: runs stored before these existed do not have them.
  /** Final equity − initial cash, in money. */
  netProfit: z.number().optional(),
  /** Sum of the winning (losing, as a positive number) trades' net P&L, in money. */
  grossProfit: z.number().optional(),
  grossLoss: z.number().optional(),
  longestWinningStreak: z.number().int().optional(),
  /** Mean bars held by winning and by losing trades (as avgBarsHeld counts them); 0 without such trades. */
  avgBarsWin: z.number().optional(),
  avgBarsLoss: z.number().optional(),
  /** Return of each calendar month (UTC) of the equity curve, in %. */
  monthlyReturns: z.array(z.object({ month: z.string(), returnPct: z.number() })).optional(),
  backtestingPy: backtestingPyMetricsSchema,
});
export type Metrics = z.infer<typeof metricsSchema>;

/** What `keyflow backtest --json` prints and what the server stores for a run. */
export const backtestReportSchema = z.object({
  metrics: metricsSchema,
  trades: z.array(tradeSchema),
  openPosition: openPositionSchema.nullable(),
  bars: z.number().int(),
  specHash: z.string(),
});
export type BacktestReport = z.infer<typeof backtestReportSchema>;

/** An indicator output recorded bar by bar for the chart. */
export interface RecordedSeries {
  /** Spec node index (map to the flow node id with the compile result's `nodeIds`). */
  node: number;
  port: number;
  values: Float64Array;
}

export interface BacktestResult extends BacktestReport {
  /** Equity at each bar's close (cash + position marked to the close). */
  equity: Float64Array;
  /** Only when asked for with `record: true`. */
  series: RecordedSeries[];
}
