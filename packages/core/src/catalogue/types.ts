import type { z } from "zod";

/** What travels along an edge. Only equal types connect. */
export const PORT_TYPES = ["series", "signal", "order"] as const;
export type PortType = (typeof PORT_TYPES)[number];

/** Palette order. */
export const BLOCK_CATEGORIES = ["source", "indicator", "math", "condition", "logic", "action", "risk"] as const;
export type BlockCategory = (typeof BLOCK_CATEGORIES)[number];

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

/**
 * What a compute block's `emit` works with. The compiler turns the whole spec into one JavaScript
 * function (see engine/program.ts) so that a bar is a straight run of statements with monomorphic
 * calls, as fast as a hand-written loop. Only numbers and names made here ever enter that code.
 */
export interface EmitIo {
  /** A JS expression per input port: a variable of an upstream output, or of a number the block was given (see `constant`). */
  inputs: readonly string[];
  /** A fresh variable name per output port; the emitted code must declare each (`const` or `let`). */
  outputs: readonly string[];
  /** Keeps a stateful object (an indicator) across bars; returns the name to call it by. */
  keep(obj: object): string;
  /** A variable that keeps its value from one bar to the next, starting at `init`. */
  state(init: number): string;
  /** The same for a small whole number (a count, an index): the JIT keeps it as an integer. */
  counter(init: number): string;
  /**
   * A number the block was given (a param), as a variable read from the program's context: programs
   * differing only in such numbers share one generated source (a sweep over a limit compiles once).
   */
  constant(value: number): string;
  /**
   * The variables holding the last closed candle of a higher timeframe (e.g. "4h"), built from the
   * flow's own bars (see engine/higherTimeframe.ts). NaN until the first one has closed.
   */
  higher(timeframe: string): CandleVars;
}

/** Names of the variables that hold a candle's fields in emitted code. */
export interface CandleVars {
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/** The bar's fields inside emitted code. */
export const BAR_VARS = { time: "bt", open: "bo", high: "bh", low: "bl", close: "bc", volume: "bv" } as const;

/** Role of a block in the trading logic, for action and risk blocks. */
export type BlockRole = "compute" | "entry" | "exit" | "risk";

export interface BlockDef<P extends z.ZodObject = z.ZodObject> {
  kind: string;
  label: string;
  category: BlockCategory;
  /** One line a trader understands. */
  help: string;
  /**
   * Other names traders search the palette by ("BB", "SAR", "%R"): abbreviations, full names,
   * the names other tools use. Matched by `searchBlocks`, never shown as the label.
   */
  aliases?: readonly string[];
  inputs: readonly PortDef[];
  outputs: readonly PortDef[];
  params: P;
  role: BlockRole;
  /** Compute blocks: the statements that compute the outputs for one closed bar. */
  emit?: (params: z.infer<P>, io: EmitIo) => string;
  /**
   * Bounds of number params that depend on another param's value (a size in % of equity is at most
   * 100). The compiler enforces them; the params form shows them.
   */
  limits?: (params: z.infer<P>) => Record<string, { min?: number; max?: number }>;
  /**
   * Warnings about how the inputs are used given the params, e.g. a formula that ignores a
   * connected input. `connected` holds the names of the connected input ports.
   */
  checkInputs?: (params: z.infer<P>, connected: ReadonlySet<string>) => { port: string; message: string }[];
  /** Where an indicator's outputs belong on the chart: over the price, or in its own pane. */
  chart?: "overlay" | "pane";
  /** Risk blocks: several may hang on one entry (each a step, e.g. a take-profit in parts); otherwise one per kind. */
  manyPerEntry?: boolean;
}

/** Identity helper that keeps the params schema's type for `emit`. */
export function defineBlock<P extends z.ZodObject>(def: BlockDef<P>): BlockDef<P> {
  return def;
}
