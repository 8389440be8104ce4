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

export const metricsSchema = z.object({
  finalEquity: z.number(),
  totalReturnPct: z.number(),
  buyHoldReturnPct: z.number(),
  maxDrawdownPct: z.number(),
  sharpe: z.number(),
  sortino: z.number(),
  trades: z.number().int(),
  winRatePct: z.number(),
  /** Gross profit ÷ gross loss; null when there was no losing trade. */
  profitFactor: z.number().nullable(),
  avgTradePct: z.number(),
  exposurePct: z.number(),
  fees: z.number(),
  // The strategy tester's report. Optional: runs stored before these existed do not have them.
  netProfit: z.number().optional(),
  grossProfit: z.number().optional(),
  grossLoss: z.number().optional(),
  largestWin: z.number().optional(),
  largestLoss: z.number().optional(),
  maxConsecWins: z.number().int().optional(),
  maxConsecLosses: z.number().int().optional(),
  avgBarsWin: z.number().optional(),
  avgBarsLoss: z.number().optional(),
  /** Return of each calendar month (UTC), in %. */
  monthlyReturns: z.array(z.object({ month: z.string(), returnPct: z.number() })).optional(),
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
