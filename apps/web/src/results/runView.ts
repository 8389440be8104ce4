import { outputLabel, thresholdsOf, type Metrics, type Trade } from "@keyflow/core";
import type { RouterOutputs } from "../lib/trpc";
import { drawdownOf, type CandleColumns, type IndicatorLine, type LineColumns } from "./model";

type RunRow = RouterOutputs["backtests"]["get"];

/** A finished run as the results view draws it: the server's row, with its chart lines named and levelled. */
export type RunView = Omit<RunRow, "chart" | "metrics" | "trades"> & {
  metrics: Metrics;
  trades: Trade[];
  candles: CandleColumns;
  equity: LineColumns;
  /** Drawdown from the running peak in %, ≤ 0. */
  drawdown: LineColumns;
  indicators: IndicatorLine[];
};

/** Past runs of a strategy, as the runs list shows them. */
export type RunSummary = RouterOutputs["backtests"]["listForStrategy"][number];

export function runView(row: RunRow): RunView {
  const { chart, metrics, trades, ...rest } = row;
  if (!chart || !metrics || !trades) throw new Error(row.error ?? `This backtest is ${row.status}; it has no result.`);
  const indicators: IndicatorLine[] = chart.indicators.map((l) => ({
    nodeId: l.nodeId,
    port: l.port,
    label: outputLabel(row.flow, l.nodeId, l.port),
    chart: l.pane,
    levels: thresholdsOf(row.flow, l.nodeId, l.port),
    time: l.time,
    // NaN (warm-up) arrives as null over JSON.
    value: l.value as (number | null)[],
  }));
  const equity = { time: chart.equity.time, value: chart.equity.value as (number | null)[] };
  return {
    ...rest,
    metrics,
    trades,
    candles: chart.candles,
    equity,
    drawdown: chart.drawdown ? { time: chart.drawdown.time, value: chart.drawdown.value as (number | null)[] } : drawdownOf(equity),
    indicators,
  };
}
