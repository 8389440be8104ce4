import { checkPeriod } from "./period";

/**
 * Linearly weighted moving average (TA-Lib WMA): the newest of the last `period` values has
 * weight `period`, the oldest weight 1, divided by period*(period+1)/2.
 *
 * O(1) via two running sums: when the window slides every weight drops by one, which is the
 * weighted sum minus the plain sum, plus `period` times the new value. Both sums are rebuilt
 * from the ring once every `period` updates (amortised O(1)) to stop rounding drift.
 */
export class Wma {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly divisor: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private sum = 0;
  private weighted = 0;
  private slides = 0;

  constructor(period: number) {
    checkPeriod("Wma", "period", period, 1);
    this.period = period;
    this.divisor = (period * (period + 1)) / 2;
    this.ring = new Float64Array(period);
    this.warmup = period;
  }

  update(x: number): number {
    if (Number.isNaN(x)) return this.value;
    const p = this.period;
    if (this.count < p) {
      this.ring[this.count] = x;
      this.count++;
      this.sum += x;
      this.weighted += this.count * x;
      if (this.count < p) return NaN;
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      this.weighted += p * x - this.sum;
      this.sum += x - old;
      if (++this.slides === p) {
        this.slides = 0;
        this.resync();
      }
    }
    this.value = this.weighted / this.divisor;
    return this.value;
  }

  private resync(): void {
    const p = this.period;
    let s = 0;
    let w = 0;
    // head is the oldest slot: weights 1..p in chronological order.
    for (let i = 0, slot = this.head; i < p; i++) {
      const v = this.ring[slot]!;
      s += v;
      w += (i + 1) * v;
      slot = slot + 1 === p ? 0 : slot + 1;
    }
    this.sum = s;
    this.weighted = w;
  }
}
