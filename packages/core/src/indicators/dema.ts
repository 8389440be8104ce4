import { Ema } from "./ema";
import { checkPeriod } from "./period";

/**
 * Double exponential moving average, TA-Lib DEMA: 2 * EMA(x) - EMA(EMA(x)), both EMAs TA-Lib's
 * (seeded with the SMA of their first `period` inputs). The inner EMA's first value is the
 * outer EMA's first input, so the first output is at index 2 * (period - 1).
 */
export class Dema {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly e1: Ema;
  private readonly e2: Ema;

  constructor(period: number) {
    checkPeriod("Dema", "period", period, 1);
    this.e1 = new Ema(period);
    this.e2 = new Ema(period);
    this.warmup = 2 * period - 1;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const a = this.e1.update(x);
    const b = this.e2.update(a);
    if (b !== b) return NaN;
    this.value = 2 * a - b;
    return this.value;
  }
}
