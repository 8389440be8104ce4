import type { BacktestReport, Candles, MarketOutcome, Metrics, PortfolioRules, Settings, StrategySpec } from "@keyflow/core";
import type { BacktestChart } from "@keyflow/db";

const FIELDS = ["time", "open", "high", "low", "close", "volume"] as const;

/** Candles as one transferable buffer plus where each column starts. */
export interface PackedCandles {
  length: number;
  buffer: ArrayBuffer;
  offsets: number[];
}

export function packCandles(c: Candles): PackedCandles {
  const buffer = c.time.buffer as ArrayBuffer;
  if (FIELDS.every((f) => c[f].buffer === buffer)) return { length: c.length, buffer, offsets: FIELDS.map((f) => c[f].byteOffset) };
  // Columns in separate buffers: copy them into one.
  const out = new ArrayBuffer(c.length * 8 * FIELDS.length);
  FIELDS.forEach((f, i) => new Float64Array(out, i * c.length * 8, c.length).set(c[f]));
  return { length: c.length, buffer: out, offsets: FIELDS.map((_, i) => i * c.length * 8) };
}

export function unpackCandles(p: PackedCandles): Candles {
  const col = (i: number) => new Float64Array(p.buffer, p.offsets[i]!, p.length);
  return { length: p.length, time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}

/**
 * Where a worker gets its candles: read from the database file with a read-only connection of its
 * own, or (an in-memory database, which a thread cannot open) handed over in one buffer.
 */
export type CandleSource =
  /** `version` changes whenever the series' candles do (a worker reuses the candles it read last while it is the same). */
  | { kind: "db"; path: string; seriesId: number; version: string; from: number; to: number }
  | { kind: "packed"; candles: PackedCandles };

/** What identifies a stored series' candles as they are now (updated time, count and last candle). */
export function candlesVersion(s: { updatedAt: number; count: number; lastTime: number | null }): string {
  return `${s.updatedAt}:${s.count}:${s.lastTime}`;
}

/** What the engine needs to run a compiled flow. */
export interface RunSpec {
  spec: StrategySpec;
  hash: string;
  nodeIds: string[];
  settings: Settings;
  timeframeMs: number;
  source: CandleSource;
}

export interface RunRequest extends RunSpec {
  type: "run";
}

/** A window [from, to) of a finished run at bar resolution; the worker replays the run (and keeps the last one). */
export interface WindowRequest extends RunSpec {
  type: "window";
  id: number;
  runId: string;
  from: number;
  to: number;
  maxPoints: number;
}

/** One flow over several markets as one portfolio on shared cash (core's portfolioBacktest); each market's candles read by the worker. */
export interface PortfolioRequest extends Omit<RunSpec, "source" | "nodeIds"> {
  type: "portfolio";
  rules: PortfolioRules;
  /** In slot order. */
  markets: { symbol: string; source: CandleSource }[];
}

/** A market's outcome without its trades (they are in the encoded results, in market order): how many are its own. */
export type PortfolioMarketOutcome = Omit<MarketOutcome, "trades"> & { tradeCount: number };

export type WorkerRequest = RunRequest | WindowRequest | PortfolioRequest;

export type WorkerMessage =
  | { type: "progress"; done: number; total: number; elapsedMs: number }
  /**
   * `results`: trades and chart already encoded for storage (resultCodec), a transferred buffer.
   * `backtestMs`: the engine alone (what bars/s is measured on); `elapsedMs`: with candles, chart and encoding.
   */
  | { type: "result"; report: Omit<BacktestReport, "specHash" | "trades">; results: Uint8Array; backtestMs: number; elapsedMs: number }
  /** A portfolio's outcome: `results` holds every market's trades (in market order) and the equity chart, encoded for storage. */
  | { type: "portfolioResult"; metrics: Metrics; markets: PortfolioMarketOutcome[]; bars: number; results: Uint8Array; backtestMs: number; elapsedMs: number }
  | { type: "window"; id: number; chart: BacktestChart }
  | { type: "error"; id?: number; message: string };
