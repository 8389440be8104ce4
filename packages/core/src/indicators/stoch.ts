import { Highest, Lowest } from "./extremes";
import { checkPeriod } from "./period";
import { Sma } from "./sma";

/**
 * Slow stochastic, TA-Lib STOCH with SMA for both smoothings.
 *
 * fast %K = 100 * (close - lowest low) / (highest high - lowest low) over the last `fastK`
 * bars, 0 when that range is zero (TA-Lib's choice); slow %K = SMA(fast %K, slowK);
 * %D = SMA(slow %K, slowD). Like TA-Lib, nothing is output until %D exists, so both lines start
 * at index fastK + slowK + slowD - 3.
 *
 * `update` returns slow %K and sets `k` and `d`.
 */
export class Stoch {
  readonly warmup: number;
  /** Latest slow %K (same as `k`), NaN before warm-up. */
  value = NaN;
  k = NaN;
  d = NaN;
  private readonly highest: Highest;
  private readonly lowest: Lowest;
  private readonly slowK: Sma;
  private readonly slowD: Sma;

  constructor(fastK: number, slowK: number, slowD: number) {
    checkPeriod("Stoch", "fastK", fastK, 1);
    checkPeriod("Stoch", "slowK", slowK, 1);
    checkPeriod("Stoch", "slowD", slowD, 1);
    this.highest = new Highest(fastK);
    this.lowest = new Lowest(fastK);
    this.slowK = new Sma(slowK);
    this.slowD = new Sma(slowD);
    this.warmup = fastK + slowK + slowD - 2;
  }

  update(high: number, low: number, close: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close)) return this.value;
    const hh = this.highest.update(high);
    const ll = this.lowest.update(low);
    if (Number.isNaN(hh)) return NaN;
    const range = (hh - ll) / 100;
    const fastK = range !== 0 ? (close - ll) / range : 0;
    const k = this.slowK.update(fastK);
    // The D average ignores the NaN k of its own warm-up, like every indicator here.
    const d = this.slowD.update(k);
    if (Number.isNaN(d)) return NaN;
    this.value = k;
    this.k = k;
    this.d = d;
    return k;
  }
}
