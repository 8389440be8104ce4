import type { IndicatorCode } from "./code";
import { checkPeriod } from "./period";

/**
 * Relative strength index, TA-Lib/Wilder (default compatibility, no unstable period).
 *
 * The first output comes after period+1 values: average gain and loss are the simple means of
 * the first `period` changes. After that both are Wilder-smoothed:
 * avg = (avg * (period - 1) + change) / period. RSI = 100 * avgGain / (avgGain + avgLoss),
 * so no losses gives 100; a window with neither gains nor losses gives 0, as TA-Lib does.
 * (TA-Lib tests "neither" with TA_IS_ZERO, |v| < 1e-8 in its releases; we test exact zero so
 * that coins priced around 1e-6 still get a meaningful RSI.)
 */
export class Rsi {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private count = 0;
  private prev = 0;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(period: number) {
    checkPeriod("Rsi", "period", period, 2);
    this.period = period;
    this.warmup = period + 1;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const p = this.period;
    this.count++;
    if (this.count === 1) {
      this.prev = x;
      return NaN;
    }
    const change = x - this.prev;
    this.prev = x;
    if (this.count <= p + 1) {
      // Seeding: accumulate raw sums, divide once the first `period` changes are in.
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      if (this.count < p + 1) return NaN;
      this.avgGain /= p;
      this.avgLoss /= p;
    } else {
      this.avgGain *= p - 1;
      this.avgLoss *= p - 1;
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      this.avgGain /= p;
      this.avgLoss /= p;
      // Stop counting once warm so count cannot grow without bound.
      this.count = p + 2;
    }
    const total = this.avgGain + this.avgLoss;
    this.value = total !== 0 ? 100 * (this.avgGain / total) : 0;
    return this.value;
  }
}

/**
 * `Rsi.update` as code for the generated program (see code.ts): the same operations in the same
 * order, except that a change adds to both sums, the side it is not on as 0 (which leaves that sum
 * exactly as it was): a price going up or down at random is a branch the processor cannot predict.
 */
export const rsiCode: IndicatorCode = (p, x, out, { state, counter }) => {
  const count = counter(0);
  const prev = state(0);
  const gain = state(0);
  const loss = state(0);
  const value = state(NaN);
  return [
    `let ${out} = ${value};`,
    `if (${x} === ${x}) {`,
    `  ${count}++;`,
    `  if (${count} === 1) ${prev} = ${x};`,
    `  else {`,
    `    const change = ${x} - ${prev}; ${prev} = ${x};`,
    `    if (${count} <= ${p + 1}) {`,
    `      ${gain} += Math.max(change, 0); ${loss} -= Math.min(change, 0);`,
    `      if (${count} === ${p + 1}) { ${gain} /= ${p}; ${loss} /= ${p}; }`,
    `    } else {`,
    `      ${gain} *= ${p - 1}; ${loss} *= ${p - 1};`,
    `      ${gain} += Math.max(change, 0); ${loss} -= Math.min(change, 0);`,
    `      ${gain} /= ${p}; ${loss} /= ${p}; ${count} = ${p + 2};`,
    `    }`,
    `    if (${count} >= ${p + 1}) { const total = ${gain} + ${loss}; ${value} = total !== 0 ? 100 * (${gain} / total) : 0; }`,
    `    ${out} = ${value};`,
    `  }`,
    `}`,
  ].join("\n");
};
