import { checkPeriod } from "./period";

/**
 * Money flow index, TA-Lib MFI (no unstable period), 0–100. The first bar only provides the
 * previous typical price tp = (high + low + close) / 3; from then on a bar's money flow
 * tp * volume counts as positive when tp rose, negative when it fell, and for neither when it is
 * unchanged. MFI = 100 * positive / (positive + negative) over the last `period` bars; first
 * output at index `period`.
 *
 * A window without any money flow gives 0, as in TA-Lib; TA-Lib 0.4 tests "total < 1", a
 * threshold in price × volume units that would zero the index of any coin priced small enough,
 * so the test here is for an exactly empty window (bars with flow are counted, so a side
 * that has emptied is exactly 0 rather than the residue of its sliding sum).
 *
 * Sliding sums, rebuilt from the rings once every `period` updates (amortised O(1)).
 */
export class Mfi {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  private count = 0;
  private head = 0;
  private prevTp = NaN;
  private posSum = 0;
  private negSum = 0;
  /** Bars in the window with positive / negative flow, so an empty side is known exactly. */
  private posBars = 0;
  private negBars = 0;
  private slides = 0;

  constructor(period: number) {
    checkPeriod("Mfi", "period", period, 2);
    this.period = period;
    this.pos = new Float64Array(period);
    this.neg = new Float64Array(period);
    this.warmup = period + 1;
  }

  update(high: number, low: number, close: number, volume: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close) || Number.isNaN(volume)) return this.value;
    const tp = (high + low + close) / 3;
    const prev = this.prevTp;
    this.prevTp = tp;
    if (prev !== prev) return NaN;
    const flow = tp * volume;
    const up = tp > prev ? flow : 0;
    const down = tp < prev ? flow : 0;
    const p = this.period;
    const h = this.head;
    if (this.count === p) {
      if (this.pos[h] !== 0) this.posBars--;
      if (this.neg[h] !== 0) this.negBars--;
      this.posSum -= this.pos[h]!;
      this.negSum -= this.neg[h]!;
    }
    this.pos[h] = up;
    this.neg[h] = down;
    if (up !== 0) this.posBars++;
    if (down !== 0) this.negBars++;
    this.head = h + 1 === p ? 0 : h + 1;
    if (this.count < p) {
      this.posSum += up;
      this.negSum += down;
      this.count++;
      if (this.count < p) return NaN;
    } else if (++this.slides === p) {
      this.slides = 0;
      let ps = 0;
      let ns = 0;
      for (let i = 0; i < p; i++) {
        ps += this.pos[i]!;
        ns += this.neg[i]!;
      }
      this.posSum = ps;
      this.negSum = ns;
    } else {
      this.posSum += up;
      this.negSum += down;
    }
    if (this.posBars === 0) this.posSum = 0;
    if (this.negBars === 0) this.negSum = 0;
    const total = this.posSum + this.negSum;
    this.value = total > 0 ? 100 * (this.posSum / total) : 0;
    return this.value;
  }
}
