/**
 * Parabolic SAR, TA-Lib SAR (Wilder's stop and reverse) on highs and lows; first output at
 * index 1 (bar 0 has none).
 *
 * TA-Lib's conventions, reproduced exactly:
 * - the start direction comes from bar 1's -DM: short if low[0] - low[1] > 0 and exceeds
 *   high[1] - high[0], else long; the first SAR is bar 0's low (long) or high (short), and the
 *   extreme point bar 1's high (long) or low (short);
 * - on bar 1 "yesterday's range" is bar 1 itself;
 * - the value output on a bar is the SAR computed at the end of the previous bar, unless the bar
 *   penetrates it (low <= SAR when long, high >= SAR when short): then the output is the
 *   extreme point, clamped outside yesterday's and today's range, and the position reverses;
 * - acceleration starts at `acceleration`, grows by it on every new extreme up to `maximum`
 *   (an acceleration above the maximum is lowered to it); the next SAR never enters the range
 *   of today or yesterday.
 *
 * The output is the stop level in force ON the bar, known from the previous bars and this
 * one's range: a rule "close above SAR" reads no future value. `long` is 1 while the SAR is
 * below price (long position), 0 while above.
 */
export class Sar {
  readonly warmup = 2;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  /** 1 while long (SAR below price), 0 while short; NaN before warm-up. */
  long = NaN;
  private readonly step: number;
  private readonly max: number;
  private count = 0;
  private isLong = true;
  private af: number;
  private ep = 0;
  private sar = 0;
  private prevHigh = 0;
  private prevLow = 0;

  constructor(acceleration: number, maximum: number) {
    if (!(acceleration >= 0 && Number.isFinite(acceleration))) throw new RangeError(`Sar: acceleration must be >= 0, got ${acceleration}`);
    if (!(maximum >= 0 && Number.isFinite(maximum))) throw new RangeError(`Sar: maximum must be >= 0, got ${maximum}`);
    this.step = Math.min(acceleration, maximum);
    this.max = maximum;
    this.af = this.step;
  }

  update(high: number, low: number): number {
    if (Number.isNaN(high) || Number.isNaN(low)) return this.value;
    if (this.count === 0) {
      this.count = 1;
      this.prevHigh = high;
      this.prevLow = low;
      return NaN;
    }
    let prevHigh = this.prevHigh;
    let prevLow = this.prevLow;
    if (this.count === 1) {
      this.count = 2;
      const up = high - prevHigh;
      const down = prevLow - low;
      this.isLong = !(down > 0 && up < down);
      this.sar = this.isLong ? prevLow : prevHigh;
      this.ep = this.isLong ? high : low;
      prevHigh = high;
      prevLow = low;
    }
    this.prevHigh = high;
    this.prevLow = low;
    let sar = this.sar;
    let out: number;
    if (this.isLong) {
      if (low <= sar) {
        this.isLong = false;
        sar = Math.max(this.ep, prevHigh, high);
        out = sar;
        this.af = this.step;
        this.ep = low;
        sar = Math.max(sar + this.af * (this.ep - sar), prevHigh, high);
      } else {
        out = sar;
        if (high > this.ep) {
          this.ep = high;
          this.af = Math.min(this.af + this.step, this.max);
        }
        sar = Math.min(sar + this.af * (this.ep - sar), prevLow, low);
      }
    } else if (high >= sar) {
      this.isLong = true;
      sar = Math.min(this.ep, prevLow, low);
      out = sar;
      this.af = this.step;
      this.ep = high;
      sar = Math.min(sar + this.af * (this.ep - sar), prevLow, low);
    } else {
      out = sar;
      if (low < this.ep) {
        this.ep = low;
        this.af = Math.min(this.af + this.step, this.max);
      }
      sar = Math.max(sar + this.af * (this.ep - sar), prevHigh, high);
    }
    this.sar = sar;
    this.value = out;
    this.long = this.isLong ? 1 : 0;
    return out;
  }
}
