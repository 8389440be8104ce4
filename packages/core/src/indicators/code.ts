/**
 * What an indicator written as code needs from the program builder (the catalogue's `EmitIo`):
 * `state` gives a variable that keeps its value from bar to bar (a local of the generated backtest
 * loop, which the JIT keeps in a register), `counter` the same for a small whole number (a count,
 * an index), `keep` the name of an object such as a ring buffer.
 *
 * The hottest indicators (SMA, EMA, RSI) come in two forms: the class, for everything else that
 * streams them, and the same update written as code, which the generated program runs without a
 * call or a field load per bar. The two do the same operations in the same order, so their outputs
 * are bit-for-bit equal (test/indicatorCode.test.ts).
 */
export interface CodeVars {
  state(init: number): string;
  counter(init: number): string;
  keep(obj: object): string;
}

/** Code that declares `out` with the indicator's value after feeding it `x`. */
export type IndicatorCode = (period: number, x: string, out: string, vars: CodeVars) => string;
