import type { IndicatorCode } from "./code";
import { checkPeriod } from "./period";

/**
 * Exponential moving average, TA-Lib default compatibility: the first output (after `period`
 * values) is the simple mean of those values, then value += (x - value) * 2 / (period + 1).
 */
export class Ema {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly k: number;
  private count = 0;
  private seedSum = 0;

  constructor(period: number) {
    checkPeriod("Ema", "period", period, 1);
    this.period = period;
    this.k = 2 / (period + 1);
    this.warmup = period;
  }

  update(x: number): number {
    if (Number.isNaN(x)) return this.value;
    if (this.count < this.period) {
      this.seedSum += x;
      this.count++;
      if (this.count < this.period) return NaN;
      this.value = this.seedSum / this.period;
      return this.value;
    }
    // Same operation order as TA-Lib, ((x - prev) * k) + prev, for bit-for-bit agreement.
    this.value = (x - this.value) * this.k + this.value;
    return this.value;
  }
}

/** `Ema.update` as code for the generated program (see code.ts): the same operations in the same order. */
export const emaCode: IndicatorCode = (p, x, out, { state, counter }) => {
  const count = counter(0);
  const seedSum = state(0);
  const value = state(NaN);
  return [
    `let ${out} = ${value};`,
    `if (${x} === ${x}) {`,
    `  if (${count} < ${p}) { ${seedSum} += ${x}; ${count}++; if (${count} === ${p}) ${value} = ${seedSum} / ${p}; }`,
    `  else ${value} = (${x} - ${value}) * (2 / ${p + 1}) + ${value};`,
    `  ${out} = ${value};`,
    `}`,
  ].join("\n");
};
