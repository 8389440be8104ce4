import type { ComboRun, FlowGraph, SweepChunk, SweepParam } from "@keyflow/core";
import type { PackedCandles } from "../jobs/workerProtocol";

export type SweepRequest =
  | { type: "init"; flow: FlowGraph; params: SweepParam[]; candles: PackedCandles }
  | { type: "chunk"; chunk: SweepChunk }
  | { type: "peak" };

export type SweepReply =
  | { type: "ready" }
  | { type: "runs"; id: string; runs: ComboRun[] }
  | { type: "peak"; bytes: number }
  | { type: "error"; message: string };
