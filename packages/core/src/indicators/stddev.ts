import { checkPeriod } from "./period";

/**
 * Standard deviation over the last `period` values, TA-Lib STDDEV with nbDev = 1: the
 * POPULATION deviation (divide by period, not period - 1), lookback period - 1.
 *
 * TA-Lib computes E[x²] - E[x]², which on prices near 60000 cancels away most significant
 * digits. Here the window slides as sums of (x - anchor) and (x - anchor)², the anchor being the
 * window mean at the last exact recomputation, so the squares stay small. The window is
 * recomputed exactly (two passes over the ring, re-anchored) once every `period` updates, and
 * also whenever the sliding sums have cancelled too much to be trusted: when the sum of squared
 * deviations is below 1e-6 of the largest anchored square sum seen since the last
 * recomputation (a quiet window right after a big move). Amortised O(1) in normal markets,
 * never worse than O(period).
 *
 * A window of identical values gives exactly 0.
 */
export class StdDev {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private anchor = 0;
  private s1 = 0;
  private s2 = 0;
  /** Largest s2 since the last exact recomputation: the scale of its rounding error. */
  private s2Max = 0;
  private slides = 0;
  private run = 0;
  private last = NaN;

  constructor(period: number) {
    checkPeriod("StdDev", "period", period, 1);
    this.period = period;
    this.ring = new Float64Array(period);
    this.warmup = period;
  }

  update(x: number): number {
    if (x !== x) return this.value;
    const p = this.period;
    this.run = x === this.last ? this.run + 1 : 1;
    this.last = x;
    let m2: number;
    if (this.count < p) {
      this.ring[this.count] = x;
      this.count++;
      if (this.count < p) return NaN;
      m2 = this.recompute();
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      if (++this.slides === p) {
        m2 = this.recompute();
      } else {
        const a = this.anchor;
        const dx = x - a;
        const dold = old - a;
        this.s1 += dx - dold;
        this.s2 += dx * dx - dold * dold;
        if (this.s2 > this.s2Max) this.s2Max = this.s2;
        m2 = this.s2 - (this.s1 * this.s1) / p;
        if (m2 <= 1e-6 * this.s2Max) m2 = this.recompute();
      }
    }
    if (this.run >= p) m2 = 0;
    this.value = m2 > 0 ? Math.sqrt(m2 / p) : 0;
    return this.value;
  }

  /** Exact two-pass sum of squared deviations; re-anchors the sliding sums on the mean. */
  private recompute(): number {
    const p = this.period;
    const ring = this.ring;
    this.slides = 0;
    let s = 0;
    for (let i = 0; i < p; i++) s += ring[i]!;
    const rough = s / p;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < p; i++) {
      const d = ring[i]! - rough;
      s1 += d;
      s2 += d * d;
    }
    this.anchor = rough;
    this.s1 = s1;
    this.s2 = s2;
    this.s2Max = s2;
    return s2 - (s1 * s1) / p;
  }
}
