import type { z } from "zod";

/** What travels along an edge. Only equal types connect. */
export type PortType = "series" | "signal" | "order";
export const PORT_TYPES: readonly PortType[] = ["series", "signal", "order"];

export type BlockCategory = "source" | "indicator" | "math" | "condition" | "logic" | "action" | "risk";
export const BLOCK_CATEGORIES: readonly BlockCategory[] = [
  "source",
  "indicator",
  "math",
  "condition",
  "logic",
  "action",
  "risk",
];

export interface PortDef {
  name: string;
  label: string;
  type: PortType;
  /**
   * When the input is left unconnected, the compiler feeds it this param as a constant
   * (e.g. "RSI less than 30"). Inputs without a fallback must be connected.
   */
  fallbackParam?: string;
}

/** The slots a compute block reads and writes in the program's value array. */
export interface OpIo {
  v: Float64Array;
  inputs: readonly number[];
  outputs: readonly number[];
}

/** One step of the compiled program: runs once per closed bar, reads input slots, writes output slots. */
export type Op = () => void;

/** Role of a block in the trading logic, for action and risk blocks. */
export type BlockRole = "compute" | "entry" | "exit" | "risk";

export interface BlockDef<P extends z.ZodObject = z.ZodObject> {
  kind: string;
  label: string;
  category: BlockCategory;
  /** One line a trader understands. */
  help: string;
  inputs: readonly PortDef[];
  outputs: readonly PortDef[];
  params: P;
  role: BlockRole;
  /** Compute blocks: build the per-bar step once, with preallocated state. */
  build?: (params: z.infer<P>, io: OpIo) => Op;
  /**
   * Optional: output slots a compute block aliases instead of computing (price sources).
   * Returns the slot index of each output, or undefined to allocate new slots.
   */
  alias?: (params: z.infer<P>) => readonly number[] | undefined;
  /** Where an indicator's outputs belong on the chart: over the price, or in its own pane. */
  chart?: "overlay" | "pane";
}

/** Identity helper that keeps the params schema's type for `build`. */
export function defineBlock<P extends z.ZodObject>(def: BlockDef<P>): BlockDef<P> {
  return def;
}
