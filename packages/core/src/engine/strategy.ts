import type { StrategySpec } from "../compile/spec";
import { setBar } from "../data/candles";
import { buildProgram, type BuildOptions, type DecideFn, type EntryRule, type Program, type UpdateFn } from "./program";

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
  /**
   * After `update`: what to do given the position state. Long: EXIT if a sell signal fires.
   * Flat: the index of the first firing entry. Flat with an entry pending: EXIT (cancel it) if a
   * sell signal fires. Otherwise NO_ACTION.
   */
  readonly decide: DecideFn;
  private readonly v: Float64Array;

  constructor(spec: StrategySpec, opts: BuildOptions = {}) {
    this.program = buildProgram(spec, opts);
    this.entries = this.program.entries;
    this.v = this.program.v;
    this.run = this.program.update;
    this.bar = this.program.bar;
    this.decide = this.program.decide;
  }

  /** Updates every block with one closed bar. */
  update(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    setBar(this.bar, time, open, high, low, close, volume);
    this.run();
  }

  /** Current value of a node output (for recording series). */
  value(slot: number): number {
    return this.v[slot]!;
  }
}
