import { checkPeriod } from "./period";

/**
 * Percent rank (TradingView ta.percentrank; not in TA-Lib): the percentage of the previous
 * `period` values (this bar's excluded) that are less than or equal to the current value,
 * 0–100. First output at index `period`.
 *
 * A rank within a sliding window has no exact O(1) update; each bar counts the ring, O(period)
 * comparisons with no allocation (a few microseconds at the default 100).
 */
export class PercentRank {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  /** The previous `period` values. */
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;

  constructor(period: number) {
    checkPeriod("PercentRank", "period", period, 1);
    this.period = period;
    this.ring = new Float64Array(period);
    this.warmup = period + 1;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const p = this.period;
    const ready = this.count === p;
    if (ready) {
      const ring = this.ring;
      let atOrBelow = 0;
      for (let i = 0; i < p; i++) if (ring[i]! <= x) atOrBelow++;
      this.value = (100 * atOrBelow) / p;
    } else {
      this.count++;
    }
    this.ring[this.head] = x;
    this.head = this.head + 1 === p ? 0 : this.head + 1;
    return ready ? this.value : NaN;
  }
}
