import type { IndicatorCode } from "./code";
import { checkPeriod } from "./period";

/**
 * Simple moving average over the last `period` values (TA-Lib SMA, lookback period-1).
 *
 * Sliding sum, re-summed from the ring buffer once every `period` updates so rounding error
 * cannot accumulate over a long stream (amortised O(1)).
 */
export class Sma {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly ring: Float64Array;
  private count = 0;
  /** Slot of the oldest value once the ring is full. */
  private head = 0;
  private sum = 0;
  private slides = 0;

  constructor(period: number) {
    checkPeriod("Sma", "period", period, 1);
    this.period = period;
    this.ring = new Float64Array(period);
    this.warmup = period;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const p = this.period;
    if (this.count < p) {
      this.ring[this.count] = x;
      this.count++;
      this.sum += x;
      if (this.count < p) return NaN;
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      this.sum += x - old;
      if (++this.slides === p) {
        this.slides = 0;
        let s = 0;
        for (let i = 0; i < p; i++) s += this.ring[i]!;
        this.sum = s;
      }
    }
    this.value = this.sum / p;
    return this.value;
  }
}

/** `Sma.update` as code for the generated program (see code.ts): the same operations in the same order. */
export const smaCode: IndicatorCode = (p, x, out, { state, counter, keep }) => {
  const ring = keep(new Float64Array(p));
  const count = counter(0);
  const head = counter(0);
  const sum = state(0);
  const slides = counter(0);
  const value = state(NaN);
  return [
    `let ${out} = ${value};`,
    `if (${x} === ${x}) {`,
    `  if (${count} < ${p}) { ${ring}[${count}] = ${x}; ${count}++; ${sum} += ${x}; }`,
    `  else {`,
    `    const old = ${ring}[${head}]; ${ring}[${head}] = ${x}; ${head} = ${head} + 1 === ${p} ? 0 : ${head} + 1; ${sum} += ${x} - old;`,
    `    if (++${slides} === ${p}) { ${slides} = 0; let s = 0; for (let i = 0; i < ${p}; i++) s += ${ring}[i]; ${sum} = s; }`,
    `  }`,
    `  if (${count} === ${p}) ${value} = ${sum} / ${p};`,
    `  ${out} = ${value};`,
    `}`,
  ].join("\n");
};
