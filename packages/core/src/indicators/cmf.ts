import { checkPeriod } from "./period";

/**
 * Chaikin money flow (not in TA-Lib; its close-location value is the one of TA-Lib AD):
 * Σ(clv × volume) / Σvolume over the last `period` bars, with
 * clv = ((close - low) - (high - close)) / (high - low), 0 on a bar with no range; from -1 (every
 * close at the low) to +1. 0 when the window traded no volume. First output at index period - 1.
 *
 * Sliding sums, rebuilt from the rings once every `period` updates (amortised O(1)); bars with
 * volume are counted so that an empty window is recognised exactly.
 */
export class Cmf {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly flowRing: Float64Array;
  private readonly volRing: Float64Array;
  private count = 0;
  private head = 0;
  private sumFlow = 0;
  private sumVol = 0;
  private traded = 0;
  private slides = 0;

  constructor(period: number) {
    checkPeriod("Cmf", "period", period, 1);
    this.period = period;
    this.flowRing = new Float64Array(period);
    this.volRing = new Float64Array(period);
    this.warmup = period;
  }

  update(high: number, low: number, close: number, volume: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close) || Number.isNaN(volume)) return this.value;
    const range = high - low;
    const flow = range > 0 ? (((close - low) - (high - close)) / range) * volume : 0;
    const p = this.period;
    const h = this.head;
    if (this.count === p) {
      if (this.volRing[h] !== 0) this.traded--;
      this.sumFlow -= this.flowRing[h]!;
      this.sumVol -= this.volRing[h]!;
    }
    this.flowRing[h] = flow;
    this.volRing[h] = volume;
    if (volume !== 0) this.traded++;
    this.head = h + 1 === p ? 0 : h + 1;
    if (this.count < p) {
      this.count++;
      this.sumFlow += flow;
      this.sumVol += volume;
      if (this.count < p) return NaN;
    } else if (++this.slides === p) {
      this.slides = 0;
      let f = 0;
      let v = 0;
      for (let i = 0; i < p; i++) {
        f += this.flowRing[i]!;
        v += this.volRing[i]!;
      }
      this.sumFlow = f;
      this.sumVol = v;
    } else {
      this.sumFlow += flow;
      this.sumVol += volume;
    }
    this.value = this.traded !== 0 && this.sumVol > 0 ? this.sumFlow / this.sumVol : 0;
    return this.value;
  }
}
