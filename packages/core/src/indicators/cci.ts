import { checkPeriod } from "./period";

/**
 * Commodity channel index, TA-Lib CCI: with the typical price tp = (high + low + close) / 3 of
 * each of the last `period` bars, CCI = (tp - mean) / (0.015 * mean absolute deviation), both
 * over that window; 0 when the deviation or the numerator is zero (TA-Lib's choice, tested
 * exactly here rather than with TA_IS_ZERO's unit-dependent 1e-8). Lookback period - 1.
 *
 * The mean absolute deviation around the window's own mean has no exact sliding update (every
 * term changes when the mean moves), so each bar sums the ring: O(period) per bar, like TA-Lib,
 * with no allocation. The mean is summed fresh too, so nothing drifts.
 */
export class Cci {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;

  constructor(period: number) {
    checkPeriod("Cci", "period", period, 2);
    this.period = period;
    this.ring = new Float64Array(period);
    this.warmup = period;
  }

  update(high: number, low: number, close: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close)) return this.value;
    const p = this.period;
    const tp = (high + low + close) / 3;
    this.ring[this.head] = tp;
    this.head = this.head + 1 === p ? 0 : this.head + 1;
    if (this.count < p) {
      this.count++;
      if (this.count < p) return NaN;
    }
    const ring = this.ring;
    let sum = 0;
    for (let i = 0; i < p; i++) sum += ring[i]!;
    const mean = sum / p;
    let dev = 0;
    for (let i = 0; i < p; i++) dev += Math.abs(ring[i]! - mean);
    dev /= p;
    const diff = tp - mean;
    this.value = dev !== 0 && diff !== 0 ? diff / (0.015 * dev) : 0;
    return this.value;
  }
}
