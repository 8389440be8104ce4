import type { ComboRun, FlowGraph, SweepChunk, SweepParam } from "@keyflow/core";
import type { PackedCandles } from "../jobs/workerProtocol";

export type SweepRequest =
  | { type: "init"; flow: FlowGraph; params: SweepParam[]; candles: PackedCandles }
  | { type: "chunk"; chunk: SweepChunk }
  | { type: "peak" }
  /** The sweep is over: drop its flow, candles and indicator cache. */
  | { type: "release" };

export type SweepReply =
  | { type: "ready" }
  | { type: "runs"; id: string; runs: ComboRun[] }
  /** Combinations of the current chunk done so far (sent while it runs; not a reply). */
  | { type: "progress"; done: number }
  | { type: "peak"; bytes: number }
  | { type: "error"; message: string };
