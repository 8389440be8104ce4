import { Highest, Lowest } from "./extremes";
import { checkPeriod } from "./period";

/**
 * Williams %R, TA-Lib WILLR: -100 * (highest high - close) / (highest high - lowest low) over the
 * last `period` bars (this one included), from -100 (close at the low) to 0 (close at the
 * high); 0 when the range is zero, as TA-Lib. Lookback period - 1.
 */
export class WillR {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly highest: Highest;
  private readonly lowest: Lowest;

  constructor(period: number) {
    checkPeriod("WillR", "period", period, 2);
    this.highest = new Highest(period);
    this.lowest = new Lowest(period);
    this.warmup = period;
  }

  update(high: number, low: number, close: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close)) return this.value;
    const hh = this.highest.update(high);
    const ll = this.lowest.update(low);
    if (Number.isNaN(hh)) return NaN;
    // Same operation order as TA-Lib: divide the range by -100 first.
    const range = (hh - ll) / -100;
    this.value = range !== 0 ? (hh - close) / range : 0;
    return this.value;
  }
}
