import type { Candles } from "../src/data/candles";

/** One round trip of the hand-written loops, comparable with the engine's trades. */
export interface HandTrade {
  entryTime: number;
  entryPrice: number;
  exitTime: number;
  exitPrice: number;
  qty: number;
}

export interface HandResult {
  trades: HandTrade[];
  finalEquity: number;
  /** Equity at each close, when asked for (what a backtest needs for drawdown and Sharpe). */
  equity: Float64Array | null;
  barsInMarket: number;
  fees: number;
  /** With the equity: the first bar where every indicator has a value. */
  firstTradableBar: number;
}

/**
 * a > b beyond rounding noise: the engine's comparison rule (two values within 1e-12 of each other,
 * relative, are equal), written out again here so the loop stays independent of the blocks.
 */
function above(a: number, b: number): boolean {
  return a - b > 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The SMA cross written by hand as a single tight loop: running sums in ring buffers, no blocks,
 * no program. It is the yardstick the engine is measured against (and must agree with).
 * With `rsiPeriod` > 0 it only enters while Wilder's RSI of the close is below `rsiMax`.
 */
export function handSmaCross(
  c: Candles,
  fast: number,
  slow: number,
  cash0: number,
  fee: number,
  rsiPeriod = 0,
  rsiMax = 70,
  withEquity = false,
): HandResult {
  const n = c.length;
  const equity = withEquity ? new Float64Array(n) : null;
  let barsInMarket = 0;
  let firstTradableBar = -1;
  let fees = 0;
  const { time, open, close } = c;
  const rf = new Float64Array(fast);
  const rs = new Float64Array(slow);
  let sf = 0;
  let ss = 0;
  let prevF = NaN;
  let prevS = NaN;
  // RSI state (Wilder).
  let rsiCount = 0;
  let rsiPrev = 0;
  let gain = 0;
  let loss = 0;
  let rsi = NaN;

  let cash = cash0;
  let qty = 0;
  let entryPrice = 0;
  let entryTime = 0;
  let entryFee = 0;
  let pending = 0; // 1 buy, 2 sell
  const trades: HandTrade[] = [];

  for (let i = 0; i < n; i++) {
    const o = open[i]!;
    if (pending === 1) {
      const q = cash / (o * (1 + fee));
      const value = q * o;
      entryFee = value * fee;
      fees += entryFee;
      cash = Math.max(0, cash - value - entryFee);
      qty = q;
      entryPrice = o;
      entryTime = time[i]!;
    } else if (pending === 2) {
      const value = qty * o;
      cash += value - value * fee;
      fees += value * fee;
      trades.push({ entryTime, entryPrice, exitTime: time[i]!, exitPrice: o, qty });
      qty = 0;
    }
    pending = 0;

    const x = close[i]!;
    const kf = i % fast;
    sf += x - rf[kf]!;
    rf[kf] = x;
    const ks = i % slow;
    ss += x - rs[ks]!;
    rs[ks] = x;
    const f = i >= fast - 1 ? sf / fast : NaN;
    const s = i >= slow - 1 ? ss / slow : NaN;

    if (rsiPeriod > 0) {
      rsiCount++;
      if (rsiCount > 1) {
        const ch = x - rsiPrev;
        if (rsiCount <= rsiPeriod + 1) {
          if (ch < 0) loss -= ch;
          else gain += ch;
          if (rsiCount === rsiPeriod + 1) {
            gain /= rsiPeriod;
            loss /= rsiPeriod;
          }
        } else {
          gain = (gain * (rsiPeriod - 1) + (ch > 0 ? ch : 0)) / rsiPeriod;
          loss = (loss * (rsiPeriod - 1) + (ch < 0 ? -ch : 0)) / rsiPeriod;
        }
        if (rsiCount >= rsiPeriod + 1) rsi = gain + loss !== 0 ? (100 * gain) / (gain + loss) : 0;
      }
      rsiPrev = x;
    }

    if (prevF === prevF && prevS === prevS && f === f && s === s) {
      if (qty > 0) {
        if (!above(prevS, prevF) && above(s, f)) pending = 2;
      } else if (!above(prevF, prevS) && above(f, s) && (rsiPeriod === 0 || above(rsiMax, rsi))) {
        pending = 1;
      }
    }
    prevF = f;
    prevS = s;
    if (equity) {
      equity[i] = cash + qty * x;
      if (qty > 0) barsInMarket++;
      if (firstTradableBar < 0 && f === f && s === s && (rsiPeriod === 0 || rsi === rsi)) firstTradableBar = i;
    }
  }
  const last = close[n - 1] ?? 0;
  return { trades, finalEquity: cash + qty * last, equity, barsInMarket, fees, firstTradableBar };
}
