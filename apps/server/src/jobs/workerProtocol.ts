import type { BacktestReport, Candles, Settings, StrategySpec } from "@keyflow/core";
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

export interface RunRequest {
  type: "run";
  spec: StrategySpec;
  hash: string;
  nodeIds: string[];
  settings: Settings;
  timeframeMs: number;
  candles: PackedCandles;
}

export type WorkerMessage =
  | { type: "progress"; done: number; total: number; elapsedMs: number }
  /** `backtestMs`: the engine alone (what bars/s is measured on); `elapsedMs`: with the chart. */
  | { type: "result"; report: Omit<BacktestReport, "specHash">; chart: BacktestChart; backtestMs: number; elapsedMs: number }
  | { type: "error"; message: string };
