import { checkPeriod } from "./period";
import { Wma } from "./wma";

/**
 * Hull moving average (Alan Hull; not in TA-Lib): WMA(2 * WMA(x, n/2) - WMA(x, n), √n), with
 * n/2 and √n rounded down as TradingView's ta.hma does. Built from TA-Lib WMAs, so the first
 * output is at index (n - 1) + (⌊√n⌋ - 1).
 */
export class Hma {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly half: Wma;
  private readonly full: Wma;
  private readonly smooth: Wma;

  constructor(period: number) {
    checkPeriod("Hma", "period", period, 2);
    const root = Math.floor(Math.sqrt(period));
    this.half = new Wma(Math.floor(period / 2));
    this.full = new Wma(period);
    this.smooth = new Wma(root);
    this.warmup = period + root - 1;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const h = this.half.update(x);
    const f = this.full.update(x);
    const out = this.smooth.update(2 * h - f);
    if (out !== out) return NaN;
    this.value = out;
    return out;
  }
}
