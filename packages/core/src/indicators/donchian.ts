import { Highest, Lowest } from "./extremes";
import { checkPeriod } from "./period";

/**
 * Donchian channel (no TA-Lib function; TA-Lib MAX of the highs and MIN of the lows): upper =
 * highest high, lower = lowest low of the last `period` bars, this one included; middle = their
 * mean. A close "breaking the channel" therefore compares with the channel of the previous bar
 * (use the Bars ago block), since this bar's high is part of its own upper band.
 *
 * `update` returns the middle line and sets `upper`, `middle` and `lower`.
 */
export class Donchian {
  readonly warmup: number;
  /** Latest middle line (same as `middle`), NaN before warm-up. */
  value = NaN;
  upper = NaN;
  middle = NaN;
  lower = NaN;
  private readonly highest: Highest;
  private readonly lowest: Lowest;

  constructor(period: number) {
    checkPeriod("Donchian", "period", period, 1);
    this.highest = new Highest(period);
    this.lowest = new Lowest(period);
    this.warmup = period;
  }

  update(high: number, low: number): number {
    if (Number.isNaN(high) || Number.isNaN(low)) return this.value;
    const hh = this.highest.update(high);
    const ll = this.lowest.update(low);
    if (Number.isNaN(hh)) return NaN;
    this.upper = hh;
    this.lower = ll;
    this.middle = (hh + ll) / 2;
    this.value = this.middle;
    return this.middle;
  }
}
