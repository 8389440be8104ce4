import { checkPeriod } from "./period";

export type VwapMode = "session" | "rolling";

const DAY_MS = 86_400_000;

/**
 * Volume-weighted average of the typical price (high + low + close) / 3.
 *
 * - "session": cumulative since the start of the bar's UTC day (day = floor(time / 1 day), time
 *   being the candle's open in unix ms); first output on the first bar. `period` is ignored.
 * - "rolling": over the last `period` bars; first output after `period` bars. Sliding sums are
 *   rebuilt from the rings once every `period` updates (amortised O(1)) so a burst of huge
 *   volume cannot leave rounding residue behind once it has left the window.
 *
 * When the volume in the window is zero the typical price of the current bar is returned.
 */
export class Vwap {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly rolling: boolean;
  private readonly period: number;
  private readonly pvRing: Float64Array;
  private readonly volRing: Float64Array;
  private day = NaN;
  private count = 0;
  private head = 0;
  private sumPv = 0;
  private sumVol = 0;
  /** Bars with non-zero volume in the rolling window, so "all zero" is known exactly. */
  private nonZero = 0;
  private slides = 0;

  constructor(mode: VwapMode, period?: number) {
    if (mode !== "session" && mode !== "rolling") {
      throw new RangeError(`Vwap: mode must be "session" or "rolling", got ${String(mode)}`);
    }
    this.rolling = mode === "rolling";
    if (this.rolling) {
      checkPeriod("Vwap", "period", period ?? NaN, 1);
      this.period = period!;
    } else {
      this.period = 1;
    }
    this.pvRing = new Float64Array(this.rolling ? this.period : 0);
    this.volRing = new Float64Array(this.rolling ? this.period : 0);
    this.warmup = this.period;
  }

  update(time: number, high: number, low: number, close: number, volume: number): number {
    if (
      Number.isNaN(time) ||
      Number.isNaN(high) ||
      Number.isNaN(low) ||
      Number.isNaN(close) ||
      Number.isNaN(volume)
    ) {
      return this.value;
    }
    const tp = (high + low + close) / 3;
    const pv = tp * volume;
    if (!this.rolling) {
      const day = Math.floor(time / DAY_MS);
      if (day !== this.day) {
        this.day = day;
        this.sumPv = 0;
        this.sumVol = 0;
      }
      this.sumPv += pv;
      this.sumVol += volume;
      this.value = this.sumVol !== 0 ? this.sumPv / this.sumVol : tp;
      return this.value;
    }

    const p = this.period;
    if (this.count < p) {
      this.pvRing[this.count] = pv;
      this.volRing[this.count] = volume;
      this.count++;
      this.sumPv += pv;
      this.sumVol += volume;
      if (volume !== 0) this.nonZero++;
      if (this.count < p) return NaN;
    } else {
      const h = this.head;
      const oldPv = this.pvRing[h]!;
      const oldVol = this.volRing[h]!;
      this.pvRing[h] = pv;
      this.volRing[h] = volume;
      this.head = h + 1 === p ? 0 : h + 1;
      if (oldVol !== 0) this.nonZero--;
      if (volume !== 0) this.nonZero++;
      if (++this.slides === p) {
        this.slides = 0;
        let s = 0;
        let v = 0;
        for (let i = 0; i < p; i++) {
          s += this.pvRing[i]!;
          v += this.volRing[i]!;
        }
        this.sumPv = s;
        this.sumVol = v;
      } else {
        this.sumPv += pv - oldPv;
        this.sumVol += volume - oldVol;
      }
    }
    this.value = this.nonZero !== 0 && this.sumVol !== 0 ? this.sumPv / this.sumVol : tp;
    return this.value;
  }
}
