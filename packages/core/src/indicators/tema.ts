import { Ema } from "./ema";
import { checkPeriod } from "./period";

/**
 * Triple exponential moving average, TA-Lib TEMA: 3 * e1 - 3 * e2 + e3 with e1 = EMA(x),
 * e2 = EMA(e1), e3 = EMA(e2), each seeded with the SMA of its first `period` inputs; first
 * output at index 3 * (period - 1).
 */
export class Tema {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly e1: Ema;
  private readonly e2: Ema;
  private readonly e3: Ema;

  constructor(period: number) {
    checkPeriod("Tema", "period", period, 1);
    this.e1 = new Ema(period);
    this.e2 = new Ema(period);
    this.e3 = new Ema(period);
    this.warmup = 3 * period - 2;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const a = this.e1.update(x);
    const b = this.e2.update(a);
    const c = this.e3.update(b);
    if (c !== c) return NaN;
    this.value = 3 * a - 3 * b + c;
    return this.value;
  }
}
