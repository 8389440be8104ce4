import { checkPeriod } from "./period";

/**
 * Sliding maximum of `sign * x` over the last `period` values, current one included: a
 * monotonic deque (values decreasing from front to back) kept in two preallocated rings.
 * Each value enters and leaves the deque once, so an update is amortised O(1). Lowest reuses
 * it with sign -1 (negation is exact, so no precision is lost).
 */
class SlidingExtreme {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly sign: 1 | -1;
  private readonly vals: Float64Array;
  /** Sequence number of the bar each deque entry came from, to expire the front. */
  private readonly seqs: Float64Array;
  private front = 0;
  private size = 0;
  private seq = 0;

  protected constructor(name: string, period: number, sign: 1 | -1) {
    checkPeriod(name, "period", period, 1);
    this.period = period;
    this.sign = sign;
    this.vals = new Float64Array(period);
    this.seqs = new Float64Array(period);
    this.warmup = period;
  }

  update(x: number): number {
    if (Number.isNaN(x)) return this.value;
    const p = this.period;
    const v = this.sign * x;
    // Expire first, so the deque has room: it then spans at most p-1 bars before the push.
    if (this.size > 0 && this.seqs[this.front]! <= this.seq - p) {
      this.front = this.front + 1 === p ? 0 : this.front + 1;
      this.size--;
    }
    while (this.size > 0) {
      let back = this.front + this.size - 1;
      if (back >= p) back -= p;
      if (this.vals[back]! > v) break;
      this.size--;
    }
    let slot = this.front + this.size;
    if (slot >= p) slot -= p;
    this.vals[slot] = v;
    this.seqs[slot] = this.seq;
    this.size++;
    this.seq++;
    if (this.seq < p) return NaN;
    this.value = this.sign * this.vals[this.front]!;
    return this.value;
  }
}

/** Highest of the last `period` values, the current one included (TA-Lib MAX). */
export class Highest extends SlidingExtreme {
  constructor(period: number) {
    super("Highest", period, 1);
  }
}

/** Lowest of the last `period` values, the current one included (TA-Lib MIN). */
export class Lowest extends SlidingExtreme {
  constructor(period: number) {
    super("Lowest", period, -1);
  }
}
