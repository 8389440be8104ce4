import type { Trade } from "./result";

/** The figures of a strategy tester's report that follow from the closed trades alone. */
export interface TradeStats {
  grossProfit: number;
  /** Sum of the losing trades' P&L, as a positive number. */
  grossLoss: number;
  largestWin: number;
  /** The worst trade's P&L (≤ 0), 0 without a losing trade. */
  largestLoss: number;
  maxConsecWins: number;
  maxConsecLosses: number;
  /** Average bars held by winning and losing trades; 0 when there were none. */
  avgBarsWin: number;
  avgBarsLoss: number;
}

/** Trades in exit order; a trade with P&L ≤ 0 counts as a loss, as the win rate does. */
export function tradeStats(trades: readonly Trade[], barMs: number): TradeStats {
  let grossProfit = 0;
  let grossLoss = 0;
  let largestWin = 0;
  let largestLoss = 0;
  let run = 0;
  let maxConsecWins = 0;
  let maxConsecLosses = 0;
  let barsWin = 0;
  let barsLoss = 0;
  let wins = 0;
  for (const t of trades) {
    const bars = barMs > 0 ? (t.exitTime - t.entryTime) / barMs : 0;
    if (t.pnl > 0) {
      wins++;
      grossProfit += t.pnl;
      largestWin = Math.max(largestWin, t.pnl);
      barsWin += bars;
      run = run > 0 ? run + 1 : 1;
      maxConsecWins = Math.max(maxConsecWins, run);
    } else {
      grossLoss -= t.pnl;
      largestLoss = Math.min(largestLoss, t.pnl);
      barsLoss += bars;
      run = run < 0 ? run - 1 : -1;
      maxConsecLosses = Math.max(maxConsecLosses, -run);
    }
  }
  const losses = trades.length - wins;
  return {
    grossProfit,
    grossLoss,
    largestWin,
    largestLoss,
    maxConsecWins,
    maxConsecLosses,
    avgBarsWin: wins > 0 ? barsWin / wins : 0,
    avgBarsLoss: losses > 0 ? barsLoss / losses : 0,
  };
}

/** Return of each calendar month (UTC) of an equity curve, in %: from the last close before the month to its last close. */
export function monthlyReturns(time: ArrayLike<number>, equity: ArrayLike<number>, initialCash: number): { month: string; returnPct: number }[] {
  const out: { month: string; returnPct: number }[] = [];
  let start = initialCash;
  let month = "";
  let last = initialCash;
  for (let i = 0; i < equity.length; i++) {
    const m = new Date(time[i]!).toISOString().slice(0, 7);
    if (m !== month) {
      if (month) out.push({ month, returnPct: start > 0 ? (last / start - 1) * 100 : 0 });
      month = m;
      start = last;
    }
    last = equity[i]!;
  }
  if (month) out.push({ month, returnPct: start > 0 ? (last / start - 1) * 100 : 0 });
  return out;
}
