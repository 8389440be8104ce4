import { checkPeriod } from "./period";

/**
 * Rate of change in percent, TA-Lib ROC: (x / x[period bars ago] - 1) * 100, and 0 when the old
 * value is 0 (TA-Lib's choice). First output after period+1 values.
 */
export class Roc {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;

  constructor(period: number) {
    checkPeriod("Roc", "period", period, 1);
    this.period = period;
    this.ring = new Float64Array(period);
    this.warmup = period + 1;
  }

  update(x: number): number {
    if (Number.isNaN(x)) return this.value;
    if (this.count < this.period) {
      this.ring[this.count] = x;
      this.count++;
      return NaN;
    }
    const old = this.ring[this.head]!;
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.period ? 0 : this.head + 1;
    this.value = old !== 0 ? (x / old - 1) * 100 : 0;
    return this.value;
  }
}
