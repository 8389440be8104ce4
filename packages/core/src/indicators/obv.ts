/**
 * On-balance volume, TA-Lib OBV: the first bar's value is its volume; after that the bar's
 * volume is added when the close rises, subtracted when it falls, ignored when unchanged.
 */
export class Obv {
  readonly warmup = 1;
  /** Latest output, NaN before the first bar. */
  value = NaN;
  private prevClose = NaN;

  update(close: number, volume: number): number {
    if (Number.isNaN(close) || Number.isNaN(volume)) return this.value;
    if (Number.isNaN(this.value)) {
      this.value = volume;
    } else if (close > this.prevClose) {
      this.value += volume;
    } else if (close < this.prevClose) {
      this.value -= volume;
    }
    this.prevClose = close;
    return this.value;
  }
}
