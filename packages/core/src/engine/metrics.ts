import { monthlyReturns, tradeStats } from "./report";
import type { Metrics, Trade } from "./result";

const YEAR_MS = 365 * 86_400_000;

export interface MetricsInput {
  initialCash: number;
  /** Equity at each bar's close. */
  equity: Float64Array;
  /** First and last close, for buy-and-hold. */
  firstClose: number;
  lastClose: number;
  trades: readonly Trade[];
  /** Bars that ended with a position held. */
  barsInMarket: number;
  fees: number;
  /** Bar length, to annualise Sharpe and Sortino (crypto trades 365 days a year). */
  barMs: number;
  /** Bar open times (unix ms), for the monthly returns; without them the report has none. */
  time?: ArrayLike<number>;
}

export function computeMetrics(m: MetricsInput): Metrics {
  const eq = m.equity;
  const n = eq.length;
  const finalEquity = n > 0 ? eq[n - 1]! : m.initialCash;

  let peak = m.initialCash;
  let maxDd = 0;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let prev = m.initialCash;
  for (let i = 0; i < n; i++) {
    const e = eq[i]!;
    if (e > peak) peak = e;
    const dd = peak > 0 ? (peak - e) / peak : 0;
    if (dd > maxDd) maxDd = dd;
    const r = prev > 0 ? e / prev - 1 : 0;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
    prev = e;
  }
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  const std = Math.sqrt(Math.max(0, variance));
  const downside = n > 0 ? Math.sqrt(downSq / n) : 0;
  const annual = Math.sqrt(m.barMs > 0 ? YEAR_MS / m.barMs : 0);
  // Tiny deviations are floating-point noise of a flat equity curve, not risk.
  const sharpe = std > 1e-15 ? (mean / std) * annual : 0;
  const sortino = downside > 1e-15 ? (mean / downside) * annual : 0;

  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let sumPct = 0;
  for (const t of m.trades) {
    if (t.pnl > 0) {
      wins++;
      grossWin += t.pnl;
    } else grossLoss -= t.pnl;
    sumPct += t.returnPct;
  }
  const count = m.trades.length;
  return {
    finalEquity,
    totalReturnPct: (finalEquity / m.initialCash - 1) * 100,
    buyHoldReturnPct: m.firstClose > 0 ? (m.lastClose / m.firstClose - 1) * 100 : 0,
    maxDrawdownPct: maxDd * 100,
    sharpe,
    sortino,
    trades: count,
    winRatePct: count > 0 ? (wins / count) * 100 : 0,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : null,
    avgTradePct: count > 0 ? sumPct / count : 0,
    exposurePct: n > 0 ? (m.barsInMarket / n) * 100 : 0,
    fees: m.fees,
    netProfit: finalEquity - m.initialCash,
    ...tradeStats(m.trades, m.barMs),
    ...(m.time ? { monthlyReturns: monthlyReturns(m.time, eq, m.initialCash) } : {}),
  };
}

/** The bar length of a series: the most common gap among its first candles (robust to outages). */
export function inferBarMs(time: Float64Array): number {
  const counts = new Map<number, number>();
  const end = Math.min(time.length, 200);
  for (let i = 1; i < end; i++) {
    const d = time[i]! - time[i - 1]!;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [d, c] of counts) if (c > bestCount || (c === bestCount && d < best)) [best, bestCount] = [d, c];
  return best;
}
