import { checkPeriod } from "./period";

const FAST = 2 / (2 + 1);
const SLOW = 2 / (30 + 1);

/**
 * Kaufman adaptive moving average, TA-Lib KAMA with TA-Lib's fixed fast/slow constants (2 and
 * 30) and no unstable period.
 *
 * Efficiency ratio ER = |x - x[period ago]| / Σ|x[j] - x[j-1]| over the last `period` changes;
 * smoothing sc = (ER * (2/3 - 2/31) + 2/31)²; kama += (x - kama) * sc. TA-Lib seeds kama with
 * the value at index period - 1 and emits its first output at index `period` (after one step),
 * ER = 1 when the change sum is zero or not above the net change (a straight run), the zero
 * tested exactly here instead of TA_IS_ZERO's 1e-8.
 *
 * Like every recursive average its value depends on where the stream started: this equals
 * TA-Lib run over the whole series from the first bar. The change sum slides and is re-summed
 * from the ring once every `period` updates (amortised O(1)).
 */
export class Kama {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  /** The last period + 1 inputs. */
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private prev = NaN;
  private sumChange = 0;
  private slides = 0;

  constructor(period: number) {
    checkPeriod("Kama", "period", period, 2);
    this.period = period;
    this.ring = new Float64Array(period + 1);
    this.warmup = period + 1;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const size = this.period + 1;
    const prev = this.prev;
    this.prev = x;
    if (this.count < size) {
      this.ring[this.count] = x;
      if (this.count > 0) this.sumChange += Math.abs(x - prev);
      this.count++;
      if (this.count < size) return NaN;
      this.value = prev; // TA-Lib's seed: the value before the first output
    } else {
      // head is the oldest of period + 1 values; it and its successor leave the change sum.
      const oldest = this.ring[this.head]!;
      const next = this.head + 1 === size ? 0 : this.head + 1;
      this.ring[this.head] = x;
      this.head = next;
      if (++this.slides === this.period) {
        this.slides = 0;
        let s = 0;
        for (let i = 0, slot = next; i < this.period; i++) {
          const after = slot + 1 === size ? 0 : slot + 1;
          s += Math.abs(this.ring[after]! - this.ring[slot]!);
          slot = after;
        }
        this.sumChange = s;
      } else {
        this.sumChange += Math.abs(x - prev) - Math.abs(this.ring[next]! - oldest);
      }
    }
    const net = x - this.ring[this.head]!;
    const sum = this.sumChange;
    const er = sum <= net || sum === 0 ? 1 : Math.abs(net / sum);
    let sc = er * (FAST - SLOW) + SLOW;
    sc *= sc;
    this.value = (x - this.value) * sc + this.value;
    return this.value;
  }
}
