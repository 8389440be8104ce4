import { checkPeriod } from "./period";

/**
 * Average directional index, TA-Lib ADX (no unstable period), first output at index
 * 2 * period - 1.
 *
 * TA-Lib's exact seeding, which differs from some textbook descriptions:
 * - bar 0 only provides the previous high/low/close;
 * - bars 1..period-1 (period-1 bars) sum +DM, -DM and TR raw;
 * - from bar `period` on, each is smoothed in sum form: s = s - s / period + today's value
 *   (so the first smoothed value is built on a sum of period-1 values, not period);
 * - DX = 100 * |+DI - -DI| / (+DI + -DI) with DI = 100 * DM / TR, for bars period..2*period-1;
 *   the first ADX is the sum of those DX divided by `period`, later ADX are Wilder-smoothed:
 *   adx = (adx * (period - 1) + dx) / period;
 * - when TR or +DI + -DI is zero the DX of that bar is skipped (not added to the seed sum, and
 *   the ADX keeps its previous value). TA-Lib tests zero with TA_IS_ZERO; we test exact zero.
 *
 * +DM is today's high - yesterday's high, -DM is yesterday's low - today's low; only the larger
 * one counts, and only if positive; equal moves count for neither.
 */
export class Adx {
  readonly warmup: number;
  /** Latest output, NaN before warm-up. */
  value = NaN;
  private readonly period: number;
  private count = 0;
  private prevHigh = 0;
  private prevLow = 0;
  private prevClose = 0;
  private plusDm = 0;
  private minusDm = 0;
  private tr = 0;
  private adx = 0;

  constructor(period: number) {
    checkPeriod("Adx", "period", period, 2);
    this.period = period;
    this.warmup = 2 * period;
  }

  update(high: number, low: number, close: number): number {
    if (Number.isNaN(high) || Number.isNaN(low) || Number.isNaN(close)) return this.value;
    const p = this.period;
    const n = this.count;
    if (n === 0) {
      this.count = 1;
      this.prevHigh = high;
      this.prevLow = low;
      this.prevClose = close;
      return NaN;
    }
    const up = high - this.prevHigh;
    const down = this.prevLow - low;
    let plus = 0;
    let minus = 0;
    if (down > 0 && up < down) minus = down;
    else if (up > 0 && up > down) plus = up;
    let tr = high - low;
    const a = Math.abs(high - this.prevClose);
    if (a > tr) tr = a;
    const b = Math.abs(low - this.prevClose);
    if (b > tr) tr = b;
    this.prevHigh = high;
    this.prevLow = low;
    this.prevClose = close;

    if (n < p) {
      this.plusDm += plus;
      this.minusDm += minus;
      this.tr += tr;
      this.count = n + 1;
      return NaN;
    }
    this.plusDm = this.plusDm - this.plusDm / p + plus;
    this.minusDm = this.minusDm - this.minusDm / p + minus;
    this.tr = this.tr - this.tr / p + tr;
    let dx = NaN;
    if (this.tr !== 0) {
      const plusDi = 100 * (this.plusDm / this.tr);
      const minusDi = 100 * (this.minusDm / this.tr);
      const sum = plusDi + minusDi;
      if (sum !== 0) dx = 100 * (Math.abs(minusDi - plusDi) / sum);
    }
    if (n < 2 * p) {
      // Bars period..2*period-1: accumulate the DX seed in `adx`.
      if (!Number.isNaN(dx)) this.adx += dx;
      this.count = n + 1;
      if (n < 2 * p - 1) return NaN;
      this.adx /= p;
    } else if (!Number.isNaN(dx)) {
      this.adx = (this.adx * (p - 1) + dx) / p;
    }
    this.value = this.adx;
    return this.adx;
  }
}
