import type { StrategySpec } from "../compile/spec";
import { setBar } from "../data/candles";
import { buildProgram, type BuildOptions, type EntryRule, type Program, type UpdateFn } from "./program";

/** What the strategy wants after a bar closed. Entries are returned as their rule index (≥ 0). */
export const NO_ACTION = -1;
export const EXIT = -2;

/** The position as the strategy needs to know it. */
export const FLAT = 0;
export const PENDING_ENTRY = 1;
export const LONG = 2;
export type PositionState = typeof FLAT | typeof PENDING_ENTRY | typeof LONG;

/**
 * The decision half of the engine, identical in backtest, paper and live: feed it each closed bar,
 * tell it whether a position is open or an entry is pending, and it says what to do next.
 * It never sees a bar before that bar has closed, so it cannot look ahead.
 */
export class Strategy {
  readonly program: Program;
  readonly entries: readonly EntryRule[];
  /** The bar the program evaluates: time, open, high, low, close, volume. */
  readonly bar: Float64Array;
  /** Runs the program on `bar` as it stands. */
  readonly run: UpdateFn;
  private readonly v: Float64Array;
  private readonly exitSlots: Int32Array;
  private readonly entrySlots: Int32Array;

  constructor(spec: StrategySpec, opts: BuildOptions = {}) {
    this.program = buildProgram(spec, opts);
    this.entries = this.program.entries;
    this.v = this.program.v;
    this.run = this.program.update;
    this.bar = this.program.bar;
    this.exitSlots = Int32Array.from(this.program.exitSlots);
    this.entrySlots = Int32Array.from(this.program.entries.map((e) => e.signalSlot));
  }

  /** Updates every block with one closed bar. */
  update(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    setBar(this.bar, time, open, high, low, close, volume);
    this.run();
  }

  /**
   * After `update`: what to do given the position state. Long: EXIT if a sell signal fires.
   * Flat: the index of the first firing entry. Flat with an entry pending: EXIT (cancel it) if a
   * sell signal fires. Otherwise NO_ACTION.
   */
  decide(state: PositionState): number {
    const v = this.v;
    const xs = this.exitSlots;
    if (state === FLAT) {
      const es = this.entrySlots;
      for (let k = 0; k < es.length; k++) if (v[es[k]!] === 1) return k;
      return NO_ACTION;
    }
    for (let k = 0; k < xs.length; k++) if (v[xs[k]!] === 1) return EXIT;
    return NO_ACTION;
  }

  /** Current value of a node output (for recording series). */
  value(slot: number): number {
    return this.v[slot]!;
  }
}
