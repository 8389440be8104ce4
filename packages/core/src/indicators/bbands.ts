import { checkPeriod } from "./period";

/**
 * Bollinger Bands, TA-Lib BBANDS with an SMA middle band and nbDevUp = nbDevDn = mult:
 * middle = SMA(period), upper/lower = middle ± mult * population standard deviation.
 *
 * The variance is NOT computed as E[x²] - E[x]²: on prices near 60000 that cancels away
 * most of the significant digits (TA-Lib itself does it that way). Instead the mean and the sum
 * of squared deviations slide with a Welford-style update, and both are recomputed exactly
 * (two passes over the ring) once every `period` updates so that drift stays bounded on
 * arbitrarily long streams (amortised O(1)).
 *
 * A window of identical values gets exactly zero width (and the value itself as middle), which
 * rounding alone would not give: a flat market must not produce a band "touch" from 1e-11 noise.
 *
 * `update` returns the middle band and sets `upper`, `middle`, `lower` and `stdDev`.
 */
export class Bbands {
  readonly warmup: number;
  /** Latest middle band (same as `middle`), NaN before warm-up. */
  value = NaN;
  upper = NaN;
  middle = NaN;
  lower = NaN;
  stdDev = NaN;
  private readonly period: number;
  private readonly mult: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private mean = 0;
  /** Sum of squared deviations from the mean over the window. */
  private m2 = 0;
  private slides = 0;
  /** Length of the current run of identical inputs, to recognise a flat window exactly. */
  private run = 0;
  private last = NaN;

  constructor(period: number, mult: number) {
    checkPeriod("Bbands", "period", period, 1);
    if (!Number.isFinite(mult)) throw new RangeError(`Bbands: mult must be a finite number, got ${mult}`);
    this.period = period;
    this.mult = mult;
    this.ring = new Float64Array(period);
    this.warmup = period;
  }

  update(x: number): number {
    if (Number.isNaN(x)) return this.value;
    const p = this.period;
    this.run = x === this.last ? this.run + 1 : 1;
    this.last = x;
    if (this.count < p) {
      this.ring[this.count] = x;
      this.count++;
      if (this.count < p) return NaN;
      this.recompute();
    } else {
      const old = this.ring[this.head]!;
      this.ring[this.head] = x;
      this.head = this.head + 1 === p ? 0 : this.head + 1;
      if (++this.slides === p) {
        this.slides = 0;
        this.recompute();
      } else {
        const oldMean = this.mean;
        const delta = x - old;
        this.mean = oldMean + delta / p;
        // Replacing `old` by `x` changes Σ(v - mean)² by (x - old)(x - mean' + old - mean).
        this.m2 += delta * (x - this.mean + old - oldMean);
      }
    }
    if (this.run >= p) {
      this.mean = x;
      this.m2 = 0;
    }
    const variance = this.m2 > 0 ? this.m2 / p : 0;
    const sd = Math.sqrt(variance);
    const band = this.mult * sd;
    this.stdDev = sd;
    this.middle = this.mean;
    this.upper = this.mean + band;
    this.lower = this.mean - band;
    this.value = this.mean;
    return this.mean;
  }

  private recompute(): void {
    const p = this.period;
    let s = 0;
    for (let i = 0; i < p; i++) s += this.ring[i]!;
    const rough = s / p;
    // Corrected two-pass: the deviations also fix the rounding of the first mean.
    let dev = 0;
    let m2 = 0;
    for (let i = 0; i < p; i++) {
      const d = this.ring[i]! - rough;
      dev += d;
      m2 += d * d;
    }
    this.mean = rough + dev / p;
    this.m2 = m2 - (dev * dev) / p;
  }
}
