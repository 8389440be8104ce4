import type { Candles } from "../src/data/candles";
import type { HandTrade } from "./handwritten";

/**
 * The SMA cross as a vectorised numpy script would write it, in TypeScript: whole-series passes
 * over typed arrays (each moving average, the RSI, the "above" mask, the crossing bars), then one
 * walk over the crossing bars only to keep one position at a time. It is the other yardstick of
 * `pnpm bench` and must trade exactly like the engine: the same comparison rule (values within
 * 1e-12 of each other, relative, are equal) and the same fills (next open, all-in, fee on both legs).
 */
export function vectorisedSmaCross(c: Candles, fast: number, slow: number, cash0: number, fee: number, rsiPeriod = 0, rsiMax = 70): HandTrade[] {
  const n = c.length;
  const f = rollingMean(c.close, fast);
  const s = rollingMean(c.close, slow);
  const allowed = rsiPeriod > 0 ? below(wilderRsi(c.close, rsiPeriod), rsiMax) : null;
  // 1 above, -1 below, 0 equal within rounding noise, NaN while warming up.
  const side = new Float64Array(n);
  for (let i = 0; i < n; i++) side[i] = compare(f[i]!, s[i]!);
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 1; i < n; i++) {
    const was = side[i - 1]!;
    const now = side[i]!;
    if (now === 1 && was <= 0 && (allowed === null || allowed[i] === 1)) ups.push(i);
    if (now === -1 && was >= 0) downs.push(i);
  }
  // Events in bar order; an entry waits for flat, an exit for a position. Fills at the next open.
  const trades: HandTrade[] = [];
  let cash = cash0;
  let qty = 0;
  let entryPrice = 0;
  let entryTime = 0;
  let u = 0;
  let d = 0;
  while (true) {
    if (qty === 0) {
      while (u < ups.length && ups[u]! + 1 >= n) u++;
      if (u >= ups.length) break;
      const at = ups[u++]! + 1;
      const o = c.open[at]!;
      qty = cash / (o * (1 + fee));
      cash = Math.max(0, cash - qty * o - qty * o * fee);
      entryPrice = o;
      entryTime = c.time[at]!;
      while (d < downs.length && downs[d]! < at) d++;
    } else {
      if (d >= downs.length || downs[d]! + 1 >= n) break;
      const at = downs[d++]! + 1;
      const o = c.open[at]!;
      const value = qty * o;
      cash += value - value * fee;
      trades.push({ entryTime, entryPrice, exitTime: c.time[at]!, exitPrice: o, qty });
      qty = 0;
      while (u < ups.length && ups[u]! < at) u++;
    }
  }
  return trades;
}

function compare(a: number, b: number): number {
  const tol = 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  return a - b > tol ? 1 : b - a > tol ? -1 : a - b === a - b ? 0 : NaN;
}

/** 1 where x is below the level beyond rounding noise, else 0. */
function below(x: Float64Array, level: number): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = compare(x[i]!, level) === -1 ? 1 : 0;
  return out;
}

/** Rolling mean, NaN before the window fills; each window summed afresh every `p` bars so no error accumulates. */
function rollingMean(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    if (i >= p && i % p === 0) {
      sum = 0;
      for (let j = i - p + 1; j <= i; j++) sum += x[j]!;
    } else {
      sum += x[i]! - (i >= p ? x[i - p]! : 0);
    }
    if (i >= p - 1) out[i] = sum / p;
  }
  return out;
}

/** Wilder's RSI (TA-Lib seeding: simple means of the first `p` changes), NaN before. */
function wilderRsi(x: Float64Array, p: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < x.length; i++) {
    const ch = x[i]! - x[i - 1]!;
    if (i <= p) {
      if (ch > 0) gain += ch;
      else loss -= ch;
      if (i < p) continue;
      gain /= p;
      loss /= p;
    } else {
      gain = (gain * (p - 1) + (ch > 0 ? ch : 0)) / p;
      loss = (loss * (p - 1) + (ch < 0 ? -ch : 0)) / p;
    }
    out[i] = gain + loss !== 0 ? (100 * gain) / (gain + loss) : 0;
  }
  return out;
}
