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
