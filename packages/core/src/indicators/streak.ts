/**
 * 1 when the input moved strictly up (or down) on each of the last `bars` bars, 0 otherwise,
 * NaN until `bars` moves have been seen. A NaN input restarts the count.
 */
export class Streak {
  private prev = NaN;
  private seen = 0;
  private run = 0;

  constructor(
    readonly bars: number,
    readonly up: boolean,
  ) {}

  update(x: number): number {
    if (x !== x) {
      this.prev = NaN;
      this.seen = 0;
      this.run = 0;
      return NaN;
    }
    if (this.seen > 0) this.run = (this.up ? x > this.prev : x < this.prev) ? this.run + 1 : 0;
    if (this.seen <= this.bars) this.seen++;
    this.prev = x;
    return this.seen <= this.bars ? NaN : this.run >= this.bars ? 1 : 0;
  }
}
