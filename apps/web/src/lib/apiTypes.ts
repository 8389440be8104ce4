import type { CompileIssue, FlowGraph, Market } from "@keyflow/core";
import type { CandleColumns, RunSummary, RunView } from "../results/model";

export interface StrategySummary {
  id: string;
  name: string;
  updatedAt: number;
  market: Market | null;
  flow: FlowGraph | null;
}

export interface MarketInfo {
  exchange: string;
  symbol: string;
  timeframe: string;
  /** Unix ms of the first and last candle; null when the server does not know yet (demo is generated). */
  from: number | null;
  to: number | null;
  bars: number | null;
  source: string;
}

export interface Progress {
  percent: number;
  barsPerSec: number | null;
  status: "queued" | "running" | "done" | "error" | "cancelled";
  message?: string;
}

export type RunStart = { ok: true; runId: string } | { ok: false; errors: CompileIssue[]; message: string };

/** Everything the app asks the server, in the app's words. `trpcApi.ts` maps it onto the routers. */
export interface Api {
  listStrategies(): Promise<StrategySummary[]>;
  getStrategy(id: string): Promise<{ id: string; name: string; flow: FlowGraph }>;
  createStrategy(flow: FlowGraph): Promise<{ id: string }>;
  saveStrategy(id: string, flow: FlowGraph): Promise<void>;
  renameStrategy(id: string, name: string): Promise<void>;
  duplicateStrategy(id: string): Promise<{ id: string }>;
  deleteStrategy(id: string): Promise<void>;

  listMarkets(): Promise<MarketInfo[]>;
  /** Stored candles of a market in [from, to), merged into at most `maxPoints` candles. */
  getCandles(market: { exchange: string; symbol: string; timeframe: string }, from: number, to: number, maxPoints?: number): Promise<CandleColumns>;

  /** The flow as a shareable template file: the server strips anything private (keys, local ids). */
  exportTemplate(flow: FlowGraph): Promise<{ fileName: string; json: string }>;

  runBacktest(input: { strategyId: string | null; flow: FlowGraph; from: number | null; to: number | null }): Promise<RunStart>;
  /** Calls back with progress until the run ends; returns an unsubscribe function. */
  onProgress(runId: string, cb: (p: Progress) => void, onError: (message: string) => void): () => void;
  cancelBacktest(runId: string): Promise<void>;
  getRun(runId: string): Promise<RunView>;
  listRuns(strategyId: string): Promise<RunSummary[]>;
}
