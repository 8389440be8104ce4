/// <reference types="node" />
// Test-only helpers: candle loading, comparison, and NAIVE batch reference implementations.
//
// The references are deliberately written differently from the streaming classes: they take the
// whole array, recompute every window from scratch, and where a recursion is unavoidable (EMA,
// Wilder smoothing) they use an algebraically equal but differently ordered formula. Agreement
// to 1e-9 therefore checks the definition, not a copy of the same arithmetic.
import { assert } from "vitest";
import type { Candles } from "../data/candles";
import { describeWithSharedCsv } from "../../test/describeWithSharedCsv";

export { describeWithSharedCsv };

// ---------------------------------------------------------------------------------------------
// Data

export const BTC_1H_FILE = "binance-BTCUSDT-1h.csv";

// ---------------------------------------------------------------------------------------------
// Running and comparing

/** Calls `step(i)` for i = 0..n-1 and collects the results. */
export function stream(n: number, step: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = step(i);
  return out;
}

export const REL_TOL = 1e-9;

/** |a - b| <= 1e-9 * max(|a|, |b|, 1): relative, with a floor so values crossing 0 compare. */
export function close(a: number, b: number, rel = REL_TOL): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1);
}

/**
 * Asserts NaN at every index before `firstIndex` (in both series: the reference must agree on
 * the warm-up), a number at `firstIndex`, and agreement to 1e-9 relative from there on.
 */
export function expectSeries(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  firstIndex: number,
  label: string,
  rel = REL_TOL,
): void {
  assert.strictEqual(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < Math.min(firstIndex, actual.length); i++) {
    if (!Number.isNaN(actual[i]!)) assert.fail(`${label}: expected NaN at ${i} (warm-up), got ${actual[i]}`);
    if (!Number.isNaN(expected[i]!)) assert.fail(`${label}: reference not NaN at ${i}, got ${expected[i]}`);
  }
  assert.isTrue(actual.length > firstIndex, `${label}: series shorter than warm-up`);
  assert.isFalse(Number.isNaN(actual[firstIndex]!), `${label}: NaN at first output index ${firstIndex}`);
  let bad = 0;
  let first = "";
  for (let i = firstIndex; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Number.isFinite(a) && close(a, e, rel)) && !Object.is(a, e)) {
      if (bad === 0) first = `index ${i}: got ${a}, reference ${e}`;
      bad++;
    }
  }
  if (bad > 0) assert.fail(`${label}: ${bad} values differ beyond ${rel}; first at ${first}`);
}

/** Deterministic pseudo-random walk (no Math.random), for synthetic tests. */
export function syntheticCandles(n: number, seed = 42): Omit<Candles, "length"> {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const time = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const closeArr = new Float64Array(n);
  const volume = new Float64Array(n);
  let price = 100;
  for (let i = 0; i < n; i++) {
    time[i] = 1_700_000_000_000 + i * 3_600_000;
    open[i] = price;
    price = Math.max(1, price * (1 + (rnd() - 0.5) * 0.04));
    closeArr[i] = price;
    high[i] = Math.max(open[i]!, price) * (1 + rnd() * 0.01);
    low[i] = Math.min(open[i]!, price) * (1 - rnd() * 0.01);
    volume[i] = rnd() < 0.05 ? 0 : rnd() * 1000;
  }
  return { time, open, high, low, close: closeArr, volume };
}

// ---------------------------------------------------------------------------------------------
// Naive references. All return an array as long as the input, NaN where there is no output.

type Arr = ArrayLike<number>;

function nans(n: number): number[] {
  return new Array<number>(n).fill(NaN);
}

function windowOf(x: Arr, end: number, len: number): number[] {
  const w: number[] = [];
  for (let j = end - len + 1; j <= end; j++) w.push(x[j]!);
  return w;
}

function mean(w: number[]): number {
  return w.reduce((a, b) => a + b, 0) / w.length;
}

export function refSma(x: Arr, period: number): number[] {
  const out = nans(x.length);
  for (let i = period - 1; i < x.length; i++) out[i] = mean(windowOf(x, i, period));
  return out;
}

/**
 * EMA seeded at index `seedEnd` with the mean of the `period` values ending there, then
 * ema = ema * (1 - k) + x * k (TA-Lib writes it as (x - ema) * k + ema).
 */
export function refEmaFrom(x: Arr, period: number, seedEnd: number): number[] {
  const out = nans(x.length);
  if (seedEnd >= x.length) return out;
  const k = 2 / (period + 1);
  let ema = mean(windowOf(x, seedEnd, period));
  out[seedEnd] = ema;
  for (let i = seedEnd + 1; i < x.length; i++) {
    ema = ema * (1 - k) + x[i]! * k;
    out[i] = ema;
  }
  return out;
}

export function refEma(x: Arr, period: number): number[] {
  return refEmaFrom(x, period, period - 1);
}

export function refWma(x: Arr, period: number): number[] {
  const out = nans(x.length);
  const denom = (period * (period + 1)) / 2;
  for (let i = period - 1; i < x.length; i++) {
    let s = 0;
    for (let w = 1; w <= period; w++) s += w * x[i - period + w]!;
    out[i] = s / denom;
  }
  return out;
}

/** RSI in the textbook form 100 - 100 / (1 + RS); 100 when no losses, 0 when flat (TA-Lib). */
export function refRsi(x: Arr, period: number): number[] {
  const out = nans(x.length);
  if (x.length <= period) return out;
  const gain = (i: number) => Math.max(x[i]! - x[i - 1]!, 0);
  const loss = (i: number) => Math.max(x[i - 1]! - x[i]!, 0);
  let g = 0;
  let l = 0;
  for (let i = 1; i <= period; i++) {
    g += gain(i) / period;
    l += loss(i) / period;
  }
  const rsi = () => (l === 0 ? (g === 0 ? 0 : 100) : 100 - 100 / (1 + g / l));
  out[period] = rsi();
  for (let i = period + 1; i < x.length; i++) {
    g += (gain(i) - g) / period;
    l += (loss(i) - l) / period;
    out[i] = rsi();
  }
  return out;
}

export interface MacdSeries {
  macd: number[];
  signal: number[];
  hist: number[];
}

/**
 * MACD per TA-Lib: both price EMAs seeded at index slow-1 (the fast one with the mean of the
 * last `fast` values of the first `slow`), signal EMA of the MACD line seeded with the mean of
 * its first `signal` values; all three NaN before index slow + signal - 2.
 */
export function refMacd(x: Arr, fast: number, slow: number, signal: number): MacdSeries {
  if (fast > slow) [fast, slow] = [slow, fast];
  const f = refEmaFrom(x, fast, slow - 1);
  const s = refEmaFrom(x, slow, slow - 1);
  const line = f.map((v, i) => v - s[i]!);
  const first = slow + signal - 2;
  const sig = refEmaFrom(line, signal, first);
  const macd = line.map((v, i) => (i < first ? NaN : v));
  return { macd, signal: sig, hist: macd.map((v, i) => v - sig[i]!) };
}

export interface BandsSeries {
  upper: number[];
  middle: number[];
  lower: number[];
  stdDev: number[];
}

/** Bollinger bands with a two-pass population standard deviation per window. */
export function refBbands(x: Arr, period: number, mult: number): BandsSeries {
  const n = x.length;
  const r: BandsSeries = { upper: nans(n), middle: nans(n), lower: nans(n), stdDev: nans(n) };
  for (let i = period - 1; i < n; i++) {
    const w = windowOf(x, i, period);
    const m = mean(w);
    const sd = Math.sqrt(w.reduce((a, v) => a + (v - m) * (v - m), 0) / period);
    r.middle[i] = m;
    r.stdDev[i] = sd;
    r.upper[i] = m + mult * sd;
    r.lower[i] = m - mult * sd;
  }
  return r;
}

/** True range of bar i (i >= 1). */
function trueRange(h: Arr, l: Arr, c: Arr, i: number): number {
  return Math.max(h[i]! - l[i]!, Math.abs(h[i]! - c[i - 1]!), Math.abs(l[i]! - c[i - 1]!));
}

export function refAtr(h: Arr, l: Arr, c: Arr, period: number): number[] {
  const out = nans(c.length);
  if (c.length <= period) return out;
  let atr = 0;
  for (let i = 1; i <= period; i++) atr += trueRange(h, l, c, i);
  atr /= period;
  out[period] = atr;
  for (let i = period + 1; i < c.length; i++) {
    atr += (trueRange(h, l, c, i) - atr) / period;
    out[i] = atr;
  }
  return out;
}

export function refHighest(x: Arr, period: number): number[] {
  const out = nans(x.length);
  for (let i = period - 1; i < x.length; i++) out[i] = Math.max(...windowOf(x, i, period));
  return out;
}

export function refLowest(x: Arr, period: number): number[] {
  const out = nans(x.length);
  for (let i = period - 1; i < x.length; i++) out[i] = Math.min(...windowOf(x, i, period));
  return out;
}

export interface StochSeries {
  k: number[];
  d: number[];
}

export function refStoch(h: Arr, l: Arr, c: Arr, fastK: number, slowK: number, slowD: number): StochSeries {
  const n = c.length;
  const hh = refHighest(h, fastK);
  const ll = refLowest(l, fastK);
  const fast = nans(n);
  for (let i = fastK - 1; i < n; i++) {
    const range = hh[i]! - ll[i]!;
    fast[i] = range === 0 ? 0 : (100 * (c[i]! - ll[i]!)) / range;
  }
  const kRaw = nans(n);
  for (let i = fastK + slowK - 2; i < n; i++) kRaw[i] = mean(windowOf(fast, i, slowK));
  const first = fastK + slowK + slowD - 3;
  const k = nans(n);
  const d = nans(n);
  for (let i = first; i < n; i++) {
    k[i] = kRaw[i]!;
    d[i] = mean(windowOf(kRaw, i, slowD));
  }
  return { k, d };
}

/** ADX with TA-Lib's seeding (see adx.ts), written over whole arrays. */
export function refAdx(h: Arr, l: Arr, c: Arr, period: number): number[] {
  const n = c.length;
  const out = nans(n);
  const plus = nans(n);
  const minus = nans(n);
  const tr = nans(n);
  for (let i = 1; i < n; i++) {
    const up = h[i]! - h[i - 1]!;
    const down = l[i - 1]! - l[i]!;
    plus[i] = up > down && up > 0 ? up : 0;
    minus[i] = down > up && down > 0 ? down : 0;
    tr[i] = trueRange(h, l, c, i);
  }
  // Sum-form Wilder smoothing, seeded with the raw sum of bars 1..period-1.
  const smooth = (v: number[]): number[] => {
    const s = nans(n);
    let acc = 0;
    for (let i = 1; i < period && i < n; i++) acc += v[i]!;
    for (let i = period; i < n; i++) {
      acc = (acc * (period - 1)) / period + v[i]!;
      s[i] = acc;
    }
    return s;
  };
  const sp = smooth(plus);
  const sm = smooth(minus);
  const st = smooth(tr);
  const dx = nans(n);
  for (let i = period; i < n; i++) {
    if (st[i] === 0) continue;
    const pdi = (100 * sp[i]!) / st[i]!;
    const mdi = (100 * sm[i]!) / st[i]!;
    if (pdi + mdi === 0) continue;
    dx[i] = (100 * Math.abs(pdi - mdi)) / (pdi + mdi);
  }
  const first = 2 * period - 1;
  if (first >= n) return out;
  let seed = 0;
  for (let i = period; i <= first; i++) if (!Number.isNaN(dx[i]!)) seed += dx[i]!;
  let adx = seed / period;
  out[first] = adx;
  for (let i = first + 1; i < n; i++) {
    if (!Number.isNaN(dx[i]!)) adx += (dx[i]! - adx) / period;
    out[i] = adx;
  }
  return out;
}

export function refObv(c: Arr, v: Arr): number[] {
  const out = nans(c.length);
  let obv = v[0]!;
  for (let i = 0; i < c.length; i++) {
    if (i > 0) obv += Math.sign(c[i]! - c[i - 1]!) * v[i]!;
    out[i] = obv;
  }
  return out;
}

export function refRoc(x: Arr, period: number): number[] {
  const out = nans(x.length);
  for (let i = period; i < x.length; i++) {
    const old = x[i - period]!;
    out[i] = old === 0 ? 0 : (100 * (x[i]! - old)) / old;
  }
  return out;
}

function typical(h: Arr, l: Arr, c: Arr, i: number): number {
  return (h[i]! + l[i]! + c[i]!) / 3;
}

export function refVwapSession(t: Arr, h: Arr, l: Arr, c: Arr, v: Arr): number[] {
  const out = nans(c.length);
  const day = (i: number) => Math.floor(t[i]! / 86_400_000);
  for (let i = 0; i < c.length; i++) {
    let pv = 0;
    let vol = 0;
    for (let j = i; j >= 0 && day(j) === day(i); j--) {
      pv += typical(h, l, c, j) * v[j]!;
      vol += v[j]!;
    }
    out[i] = vol === 0 ? typical(h, l, c, i) : pv / vol;
  }
  return out;
}

export function refVwapRolling(h: Arr, l: Arr, c: Arr, v: Arr, period: number): number[] {
  const out = nans(c.length);
  for (let i = period - 1; i < c.length; i++) {
    let pv = 0;
    let vol = 0;
    for (let j = i - period + 1; j <= i; j++) {
      pv += typical(h, l, c, j) * v[j]!;
      vol += v[j]!;
    }
    out[i] = vol === 0 ? typical(h, l, c, i) : pv / vol;
  }
  return out;
}
