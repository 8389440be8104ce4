import { formatSpacing, medianSpacingMs } from "./barSpacing";
import { monthlyReturns } from "./monthlyReturns";
import type { BacktestingPyMetrics, Metrics, Trade } from "./result";

// Every metric's definition, in words, is in docs/metrics.md; keep the two in step.

const YEAR_MS = 365 * 86_400_000;

export interface MetricsInput {
  initialCash: number;
  /** Equity at each bar's close. */
  equity: Float64Array;
  /** Open time and close of each bar the equity was marked on. */
  time: ArrayLike<number>;
  close: ArrayLike<number>;
  trades: readonly Trade[];
  /** Bars that ended with a position held. */
  barsInMarket: number;
  fees: number;
  /** First bar at which every indicator had a value (0 without indicators). */
  firstTradableBar: number;
  /** The flow's declared bar length: when the candles are spaced otherwise, the result says so. */
  timeframeMs?: number;
}

/**
 * Trades as the headline metrics count them: a trade is a win when its net P&L is above 0, a loss
 * otherwise; the sums are taken in trade order (so a broker keeping them as it goes, see
 * `SimBroker.tally`, gives the very same numbers as `winLoss` over its trade list).
 */
export interface TradeTally {
  count: number;
  wins: number;
  grossWin: number;
  grossLoss: number;
}

/** What `headlineMetrics` reads: the trades themselves or only their tally (a sweep keeps no trade list). */
export type HeadlineInput = Omit<MetricsInput, "trades"> & { trades: readonly Trade[] | TradeTally };

/** The metrics a sweep ranks and filters combinations by: one pass over the equity, one over the trades. */
export type HeadlineMetrics = Pick<
  Metrics,
  "finalEquity" | "totalReturnPct" | "cagrPct" | "maxDrawdownPct" | "sharpe" | "sortino" | "calmar" | "profitFactor" | "trades" | "winRatePct"
>;

/**
 * The headline metrics, exactly as `computeMetrics` reports them (it calls this). `spacingMs`: the
 * candles' median spacing when the caller knows it already (a sweep runs many times over the same
 * candles), else it is measured here.
 */
export function headlineMetrics(m: HeadlineInput, spacingMs = medianSpacingMs(m.time)): HeadlineMetrics {
  const trades = "count" in m.trades ? m.trades : winLoss(m.trades);
  return headline(m, spacingMs, equityStats(m, barLength(spacingMs, m.timeframeMs)), trades);
}

const barLength = (spacing: number, timeframeMs: number | undefined) => (spacing > 0 ? spacing : (timeframeMs ?? 0));

function headline(m: Omit<MetricsInput, "trades">, spacing: number, curve: ReturnType<typeof equityStats>, trades: TradeTally): HeadlineMetrics {
  const n = m.equity.length;
  const finalEquity = n > 0 ? m.equity[n - 1]! : m.initialCash;
  const barMs = barLength(spacing, m.timeframeMs);
  const count = trades.count;
  const cagr = n > 0 ? annualGrowth(finalEquity / m.initialCash, (m.time[n - 1]! - m.time[0]! + barMs) / YEAR_MS) : 0;
  return {
    finalEquity,
    totalReturnPct: (finalEquity / m.initialCash - 1) * 100,
    cagrPct: cagr * 100,
    maxDrawdownPct: curve.maxDrawdown * 100,
    calmar: curve.maxDrawdown > 0 ? cagr / curve.maxDrawdown : null,
    sharpe: curve.sharpe,
    sortino: curve.sortino,
    trades: count,
    winRatePct: count > 0 ? (trades.wins / count) * 100 : 0,
    profitFactor: trades.grossLoss > 0 ? trades.grossWin / trades.grossLoss : null,
  };
}

export function computeMetrics(m: MetricsInput): Metrics {
  const n = m.equity.length;
  const spacing = medianSpacingMs(m.time);
  const barMs = barLength(spacing, m.timeframeMs);
  const curve = equityStats(m, barMs);
  const trades = tradeStats(m.trades, m.time);
  const head = headline(m, spacing, curve, trades);
  const { finalEquity } = head;
  const count = m.trades.length;
  const first = m.close[0] ?? 0;
  const last = m.close[n - 1] ?? 0;
  // In the order the results have always listed them.
  return {
    finalEquity,
    totalReturnPct: head.totalReturnPct,
    buyHoldReturnPct: first > 0 ? (last / first - 1) * 100 : 0,
    cagrPct: head.cagrPct,
    maxDrawdownPct: head.maxDrawdownPct,
    maxDrawdownDurationMs: curve.maxDrawdownDurationMs,
    calmar: head.calmar,
    sharpe: head.sharpe,
    sortino: head.sortino,
    barMs,
    timeframeWarning: timeframeWarning(spacing, m.timeframeMs),
    trades: count,
    winRatePct: head.winRatePct,
    profitFactor: head.profitFactor,
    avgTradePct: count > 0 ? trades.sumReturnPct / count : 0,
    expectancy: trades.expectancy,
    sqn: trades.sqn,
    largestWin: trades.largestWin,
    largestLoss: trades.largestLoss,
    longestLosingStreak: trades.longestLosingStreak,
    avgBarsHeld: count > 0 ? trades.barsHeld / count : 0,
    exposurePct: n > 0 ? (m.barsInMarket / n) * 100 : 0,
    fees: m.fees,
    netProfit: finalEquity - m.initialCash,
    grossProfit: trades.grossWin,
    grossLoss: trades.grossLoss,
    longestWinningStreak: trades.longestWinningStreak,
    avgBarsWin: trades.wins > 0 ? trades.barsWin / trades.wins : 0,
    avgBarsLoss: count > trades.wins ? trades.barsLoss / (count - trades.wins) : 0,
    monthlyReturns: monthlyReturns(m.time, m.equity, m.initialCash),
    backtestingPy: backtestingPyStats(m, trades.coveredBars),
  };
}

/** (1 + CAGR)^years = growth; −100 % once the equity is gone. */
function annualGrowth(growth: number, years: number): number {
  if (!(years > 0)) return 0;
  if (!(growth > 0)) return -1;
  return growth ** (1 / years) - 1;
}

function timeframeWarning(spacing: number, timeframeMs: number | undefined): string | null {
  if (!timeframeMs || !(spacing > 0) || spacing === timeframeMs) return null;
  const data = formatSpacing(spacing);
  return `The candles are ${data} apart but the flow's timeframe is ${formatSpacing(timeframeMs)}: Sharpe and Sortino are annualised for ${data} bars.`;
}

/** Drawdown (depth and duration) and per-bar Sharpe and Sortino of the close-marked equity curve. */
function equityStats(m: Omit<MetricsInput, "trades">, barMs: number) {
  const eq = m.equity;
  const time = m.time;
  const n = eq.length;
  let peak = m.initialCash;
  let peakTime = n > 0 ? time[0]! : 0;
  let under = false;
  let maxDd = 0;
  let maxDdMs = 0;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let prev = m.initialCash;
  for (let i = 0; i < n; i++) {
    const e = eq[i]!;
    if (e >= peak) {
      if (under && time[i]! - peakTime > maxDdMs) maxDdMs = time[i]! - peakTime;
      under = false;
      peak = e;
      peakTime = time[i]!;
    } else {
      under = true;
      const dd = peak > 0 ? (peak - e) / peak : 0;
      if (dd > maxDd) maxDd = dd;
    }
    const r = prev > 0 ? e / prev - 1 : 0;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
    prev = e;
  }
  if (under && time[n - 1]! - peakTime > maxDdMs) maxDdMs = time[n - 1]! - peakTime;
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  const std = Math.sqrt(Math.max(0, variance));
  const downside = n > 0 ? Math.sqrt(downSq / n) : 0;
  const annual = Math.sqrt(barMs > 0 ? YEAR_MS / barMs : 0);
  // Tiny deviations are floating-point noise of a flat equity curve, not risk.
  return {
    maxDrawdown: maxDd,
    maxDrawdownDurationMs: maxDdMs,
    sharpe: std > 1e-15 ? (mean / std) * annual : 0,
    sortino: downside > 1e-15 ? (mean / downside) * annual : 0,
  };
}

/** A trade is a win when its net P&L is above 0, a loss otherwise. */
function winLoss(trades: readonly Trade[]): TradeTally {
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  for (const t of trades) {
    if (t.pnl > 0) {
      wins++;
      grossWin += t.pnl;
    } else {
      grossLoss -= t.pnl;
    }
  }
  return { count: trades.length, wins, grossWin, grossLoss };
}

/** Per-trade statistics (wins and losses as `winLoss` counts them). */
function tradeStats(trades: readonly Trade[], time: ArrayLike<number>) {
  let sumReturnPct = 0;
  let sumPnl = 0;
  let largestWin: number | null = null;
  let largestLoss: number | null = null;
  let streak = 0;
  let longestLosingStreak = 0;
  let winStreak = 0;
  let longestWinningStreak = 0;
  let barsHeld = 0;
  let barsWin = 0;
  let barsLoss = 0;
  // Bars from each entry to its exit bar inclusive, counted once (backtesting.py's exposure).
  let coveredBars = 0;
  let lastCovered = -1;
  let j = 0;
  for (const t of trades) {
    if (t.pnl > 0) {
      if (largestWin === null || t.pnl > largestWin) largestWin = t.pnl;
      streak = 0;
      if (++winStreak > longestWinningStreak) longestWinningStreak = winStreak;
    } else {
      if (t.pnl < 0 && (largestLoss === null || t.pnl < largestLoss)) largestLoss = t.pnl;
      if (++streak > longestLosingStreak) longestLosingStreak = streak;
      winStreak = 0;
    }
    sumReturnPct += t.returnPct;
    sumPnl += t.pnl;
    // Trades come in time order and never overlap, so one forward walk finds every bar index.
    while (j < time.length && time[j]! < t.entryTime) j++;
    const entryBar = j;
    while (j < time.length && time[j]! < t.exitTime) j++;
    barsHeld += j - entryBar;
    if (t.pnl > 0) barsWin += j - entryBar;
    else barsLoss += j - entryBar;
    coveredBars += j - Math.max(entryBar, lastCovered + 1) + 1;
    lastCovered = j;
  }
  const count = trades.length;
  const expectancy = count > 0 ? sumPnl / count : 0;
  let sq = 0;
  for (const t of trades) sq += (t.pnl - expectancy) ** 2;
  const std = count > 1 ? Math.sqrt(sq / (count - 1)) : 0;
  return {
    ...winLoss(trades),
    sumReturnPct,
    expectancy,
    sqn: std > 0 ? (Math.sqrt(count) * expectancy) / std : null,
    largestWin,
    largestLoss,
    longestLosingStreak,
    longestWinningStreak,
    barsHeld,
    barsWin,
    barsLoss,
    coveredBars,
  };
}

/**
 * The measures backtesting.py defines differently from us, as it defines them: a trade's return is
 * its net P&L over entry price × quantity (no entry fee in the base), the average trade is their
 * geometric mean, exposure counts every bar from an entry to its exit bar inclusive, and buy & hold
 * starts at the close of the first bar where every indicator has a value.
 */
function backtestingPyStats(m: MetricsInput, coveredBars: number): BacktestingPyMetrics {
  let up = 0;
  let down = 0;
  let sum = 0;
  let logSum = 0;
  let ruined = false;
  for (const t of m.trades) {
    const r = t.pnl / (t.qty * t.entryPrice);
    if (r > 0) up += r;
    else if (r < 0) down -= r;
    sum += r;
    if (1 + r <= 0) ruined = true;
    else logSum += Math.log1p(r);
  }
  const count = m.trades.length;
  const n = m.close.length;
  const from = m.close[Math.min(m.firstTradableBar, n - 1)] ?? 0;
  const last = m.close[n - 1] ?? 0;
  return {
    profitFactor: down > 0 ? up / down : null,
    avgTradePct: count > 0 && !ruined ? Math.expm1(logSum / count) * 100 : 0,
    expectancyPct: count > 0 ? (sum / count) * 100 : 0,
    exposurePct: n > 0 ? (coveredBars / n) * 100 : 0,
    buyHoldReturnPct: from > 0 ? (last / from - 1) * 100 : 0,
  };
}
