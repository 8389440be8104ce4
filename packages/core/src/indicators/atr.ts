import { checkPeriod } from "./period";

/**
 * Average true range, TA-Lib ATR. The first bar only provides a previous close; the true range
 * of later bars is max(high - low, |prevClose - high|, |prevClose - low|). The first ATR (after
 * period+1 bars) is the mean of the first `period` true ranges, then Wilder smoothing:
 * atr = (atr * (period - 1) + tr) / period. Period 1 is plain true range, as in TA-Lib.
 */
export class Atr {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private count = 0;
  private prevClose = 0;
  private acc = 0;

  constructor(period: number) {
    checkPeriod("Atr", "period", period, 1);
    this.period = period;
    this.warmup = period + 1;
  }

  update(high: number, low: number, close: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close)) return this.value;
    const p = this.period;
    if (this.count === 0) {
      this.count = 1;
      this.prevClose = close;
      return NaN;
    }
    let tr = high - low;
    const up = Math.abs(this.prevClose - high);
    if (up > tr) tr = up;
    const down = Math.abs(this.prevClose - low);
    if (down > tr) tr = down;
    this.prevClose = close;
    if (this.count <= p) {
      this.acc += tr;
      this.count++;
      if (this.count <= p) return NaN;
      this.acc /= p;
    } else {
      this.acc *= p - 1;
      this.acc += tr;
      this.acc /= p;
    }
    this.value = this.acc;
    return this.acc;
  }
}
