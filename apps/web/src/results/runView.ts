import { outputLabel, thresholdsOf, type FlowGraph, type Metrics, type RunResults, type Trade } from "@keyflow/core";
import type { RouterOutputs } from "../lib/trpc";
import { drawdownOf, type CandleColumns, type IndicatorLine, type LineColumns } from "./model";

type RunRow = RouterOutputs["backtests"]["get"];
type StoredChart = RouterOutputs["backtests"]["window"];

/** What the price chart draws of a run (or of a window of it): candles, named and levelled indicator lines, equity and drawdown. */
export interface ChartView {
  candles: CandleColumns;
  equity: LineColumns;
  /** Drawdown from the running peak in %, ≤ 0. */
  drawdown: LineColumns;
  indicators: IndicatorLine[];
}

/** A finished run as the results view draws it: the server's row, with its chart lines named and levelled. */
export type RunView = Omit<RunRow, "results" | "metrics"> & ChartView & { metrics: Metrics; trades: Trade[] };

/** Past runs of a strategy, as the runs list shows them. */
export type RunSummary = RouterOutputs["backtests"]["listForStrategy"][number];

// NaN (an indicator warming up) arrives as null over JSON.
const line = (l: { time: number[]; value: (number | null)[] }): LineColumns => ({ time: l.time, value: l.value });

export function chartView(chart: StoredChart, flow: FlowGraph): ChartView {
  const equity = line(chart.equity);
  return {
    candles: chart.candles,
    equity,
    drawdown: chart.drawdown ? line(chart.drawdown) : drawdownOf(equity),
    indicators: chart.indicators.map((l) => ({
      nodeId: l.nodeId,
      port: l.port,
      label: outputLabel(flow, l.nodeId, l.port),
      chart: l.pane,
      levels: thresholdsOf(flow, l.nodeId, l.port),
      ...line(l),
    })),
  };
}

/** The row and its unpacked results (`results` of `backtests.get`, see runResults.ts). */
export function runView(row: RunRow, results: RunResults | null): RunView {
  const { results: _packed, metrics, ...rest } = row;
  if (!results || !metrics) throw new Error(row.error ?? `This backtest is ${row.status}; it has no result.`);
  return { ...rest, metrics, trades: results.trades, ...chartView(results.chart, row.flow) };
}
