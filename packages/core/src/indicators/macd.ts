import { Ema } from "./ema";
import { checkPeriod } from "./period";

/**
 * MACD exactly as TA-Lib's TA_MACD with explicit periods (default compatibility).
 *
 * TA-Lib subtleties reproduced here:
 * - if fast > slow the two periods are swapped;
 * - both price EMAs are seeded on the same bar (index slow-1): the slow EMA with the mean of
 *   the first `slow` values, the fast EMA with the mean of the LAST `fast` of those values, not
 *   of the first `fast`. We get that by not feeding the fast EMA the first slow-fast values;
 * - the signal EMA is seeded with the mean of the first `signal` MACD-line values, and nothing
 *   (not even the MACD line) is output before it exists: first output at index slow+signal-2.
 *
 * `update` returns the MACD line and sets `macd`, `signal` and `hist` (= macd - signal).
 */
export class Macd {
  readonly warmup: number;
  /** Latest MACD line (same as `macd`), NaN before warm-up. */
  value = NaN;
  macd = NaN;
  signal = NaN;
  hist = NaN;
  private readonly fastEma: Ema;
  private readonly slowEma: Ema;
  private readonly signalEma: Ema;
  private fastSkip: number;

  constructor(fast: number, slow: number, signal: number) {
    checkPeriod("Macd", "fast", fast, 2);
    checkPeriod("Macd", "slow", slow, 2);
    checkPeriod("Macd", "signal", signal, 1);
    if (fast > slow) {
      const t = fast;
      fast = slow;
      slow = t;
    }
    this.fastEma = new Ema(fast);
    this.slowEma = new Ema(slow);
    this.signalEma = new Ema(signal);
    this.fastSkip = slow - fast;
    this.warmup = slow + signal - 1;
  }

  update(x: number): number {
    if (Number.isNaN(x)) return this.value;
    const slow = this.slowEma.update(x);
    let fast = NaN;
    if (this.fastSkip > 0) this.fastSkip--;
    else fast = this.fastEma.update(x);
    if (Number.isNaN(slow)) return NaN;
    const line = fast - slow;
    const signal = this.signalEma.update(line);
    if (Number.isNaN(signal)) return NaN;
    this.value = line;
    this.macd = line;
    this.signal = signal;
    this.hist = line - signal;
    return line;
  }
}
