import { Atr } from "./atr";
import { checkPeriod } from "./period";

/**
 * SuperTrend (Olivier Seban; not in TA-Lib), in TradingView's ta.supertrend form with TA-Lib's
 * ATR (Wilder, first value after atrPeriod + 1 bars; TradingView's own ATR also counts bar 0's
 * high - low as a true range, so its first values differ until the seed has washed out):
 *
 * - basic bands: hl2 ± mult × ATR, hl2 = (high + low) / 2;
 * - the lower band only rises (it keeps its previous value unless the new one is higher or the
 *   previous close fell below it), the upper band only falls, symmetrically;
 * - the first bar with an ATR is a downtrend; later, a downtrend turns up when the close goes
 *   above the upper band, an uptrend turns down when the close goes below the lower band;
 * - the line is the lower band in an uptrend, the upper band in a downtrend.
 *
 * `update` returns the line and sets `up` (1 in an uptrend, 0 in a downtrend). Both use only
 * this bar and earlier ones.
 */
export class SuperTrend {
  readonly warmup: number;
  /** Latest line, NaN before warm-up. */
  value = NaN;
  /** 1 in an uptrend (line below price), 0 in a downtrend; NaN before warm-up. */
  up = NaN;
  private readonly atr: Atr;
  private readonly mult: number;
  private upper = NaN;
  private lower = NaN;
  private prevClose = NaN;

  constructor(atrPeriod: number, mult: number) {
    checkPeriod("SuperTrend", "atrPeriod", atrPeriod, 1);
    if (!(mult > 0 && Number.isFinite(mult))) throw new RangeError(`SuperTrend: mult must be a positive number, got ${mult}`);
    this.atr = new Atr(atrPeriod);
    this.mult = mult;
    this.warmup = atrPeriod + 1;
  }

  update(high: number, low: number, close: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close)) return this.value;
    const atr = this.atr.update(high, low, close);
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (atr !== atr) return NaN;
    const mid = (high + low) / 2;
    let upper = mid + this.mult * atr;
    let lower = mid - this.mult * atr;
    if (this.up !== this.up) {
      this.up = 0;
    } else {
      const pu = this.upper;
      const pl = this.lower;
      if (!(lower > pl || prevClose < pl)) lower = pl;
      if (!(upper < pu || prevClose > pu)) upper = pu;
      this.up = this.up === 0 ? (close > upper ? 1 : 0) : close < lower ? 0 : 1;
    }
    this.upper = upper;
    this.lower = lower;
    this.value = this.up === 1 ? lower : upper;
    return this.value;
  }
}
