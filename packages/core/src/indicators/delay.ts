/** The value seen `bars` updates ago (NaN until then). Positional: NaN inputs are stored too. */
export class Delay {
  private readonly ring: Float64Array;
  private at = 0;

  constructor(readonly bars: number) {
    this.ring = new Float64Array(bars).fill(NaN);
  }

  update(x: number): number {
    const out = this.ring[this.at]!;
    this.ring[this.at] = x;
    this.at = this.at + 1 === this.bars ? 0 : this.at + 1;
    return out;
  }
}
