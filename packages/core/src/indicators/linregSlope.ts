import { checkPeriod } from "./period";

/**
 * Slope of the least-squares line through the last `period` values, per bar, TA-Lib
 * LINEARREG_SLOPE: positive when the fit rises toward the current bar; lookback period - 1.
 *
 * With weights j = 1..period from the oldest to the newest value, S = Σy and W = Σj·y, the
 * slope is (period·W - Σj·S) / (period·Σj² - (Σj)²). Both sums slide in O(1) (every weight drops
 * by one: W -= S, then the new value enters with weight `period`). The values are taken relative
 * to an anchor (the window's first value at the last exact re-sum), which changes no slope but
 * keeps the sums the size of the price moves rather than of the price, so the subtraction
 * above cancels no significant digits at BTC prices. Re-summed exactly from the ring once every
 * `period` updates (amortised O(1)).
 */
export class LinRegSlope {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly ring: Float64Array;
  private readonly sumJ: number;
  private readonly divisor: number;
  private count = 0;
  private head = 0;
  private anchor = 0;
  private sum = 0;
  private weighted = 0;
  private slides = 0;

  constructor(period: number) {
    checkPeriod("LinRegSlope", "period", period, 2);
    this.period = period;
    this.ring = new Float64Array(period);
    this.sumJ = (period * (period + 1)) / 2;
    this.divisor = (period * period * (period * period - 1)) / 12;
    this.warmup = period;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const p = this.period;
    if (this.count < p) {
      this.ring[this.count] = x;
      this.count++;
      if (this.count < p) return NaN;
      this.resync();
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      if (++this.slides === p) {
        this.slides = 0;
        this.resync();
      } else {
        const y = x - this.anchor;
        this.weighted += p * y - this.sum;
        this.sum += y - (old - this.anchor);
      }
    }
    this.value = (p * this.weighted - this.sumJ * this.sum) / this.divisor;
    return this.value;
  }

  private resync(): void {
    const p = this.period;
    const anchor = this.ring[this.head]!;
    let s = 0;
    let w = 0;
    for (let i = 0, slot = this.head; i < p; i++) {
      const y = this.ring[slot]! - anchor;
      s += y;
      w += (i + 1) * y;
      slot = slot + 1 === p ? 0 : slot + 1;
    }
    this.anchor = anchor;
    this.sum = s;
    this.weighted = w;
  }
}
