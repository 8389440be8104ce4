import type { ComboRun, FlowGraph, SweepChunk, SweepParam } from "@keyflow/core";
import type { PackedCandles } from "../jobs/workerProtocol";

/**
 * `session`: which of the sweeps sharing the worker a request is for (a worker holds one evaluator
 * per open session; absent: the one default session, as the queue worker uses it). `cancel`: a
 * shared flag the worker reads between combinations — non-zero ends the running chunk early.
 */
export type SweepRequest =
  | { type: "init"; session?: string; flow: FlowGraph; params: SweepParam[]; candles: PackedCandles; cancel?: SharedArrayBuffer }
  | { type: "chunk"; session?: string; chunk: SweepChunk }
  | { type: "peak"; session?: string }
  /** The sweep is over: drop its flow, candles and indicator cache. */
  | { type: "release"; session?: string };

export type SweepReply =
  | { type: "ready" }
  | { type: "runs"; id: string; runs: ComboRun[] }
  /** Combinations of the current chunk done so far (sent while it runs; not a reply). */
  | { type: "progress"; done: number }
  | { type: "peak"; bytes: number }
  | { type: "error"; message: string };
