import { Atr } from "./atr";
import { Ema } from "./ema";
import { checkPeriod } from "./period";

/**
 * Keltner channels (Linda Raschke's modern form; not in TA-Lib): middle = EMA(close, period),
 * upper/lower = middle ± mult × ATR(atrPeriod), with TA-Lib's EMA (SMA seed) and ATR (Wilder,
 * first value after atrPeriod + 1 bars). First output once both exist, at index
 * max(period - 1, atrPeriod).
 *
 * `update` returns the middle line and sets `upper`, `middle` and `lower`.
 */
export class Keltner {
  readonly warmup: number;
  /** Latest middle line (same as `middle`), NaN before warm-up. */
  value = NaN;
  upper = NaN;
  middle = NaN;
  lower = NaN;
  private readonly ema: Ema;
  private readonly atr: Atr;
  private readonly mult: number;

  constructor(period: number, atrPeriod: number, mult: number) {
    checkPeriod("Keltner", "period", period, 1);
    if (!Number.isFinite(mult)) throw new RangeError(`Keltner: mult must be a finite number, got ${mult}`);
    this.ema = new Ema(period);
    this.atr = new Atr(atrPeriod);
    this.mult = mult;
    this.warmup = Math.max(period, atrPeriod + 1);
  }

  update(high: number, low: number, close: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close)) return this.value;
    const m = this.ema.update(close);
    const a = this.atr.update(high, low, close);
    if (m !== m || a !== a) return NaN;
    const band = this.mult * a;
    this.middle = m;
    this.upper = m + band;
    this.lower = m - band;
    this.value = m;
    return m;
  }
}
