/**
 * One flow over several markets: each market is an ordinary backtest with the flow's settings (so
 * each run is the same run one would make for that market alone, reusable and pinnable), and the
 * portfolio splits the cash equally between them: market i trades initialCash / N. A run's equity
 * scaled by 1/N is exactly the run on 1/N of the cash when entries are sized in % of equity (every
 * quantity scales with the cash); with fixed quote or base sizes it is the run with those sizes on
 * a bigger account, scaled. So the portfolio's equity at time t is the mean of the markets' equity
 * curves, each held at its last close before t (and at its initial cash before its first bar).
 */

/** An equity curve: ascending unix ms and the equity at each of those closes. */
export interface EquityCurve {
  time: ArrayLike<number>;
  value: ArrayLike<number>;
}

export interface MarketRunSummary {
  returnPct: number;
  trades: number;
  maxDrawdownPct: number;
}

export interface Portfolio {
  /** The portfolio's equity (sum of the shares) on the union of the markets' times. */
  equity: { time: number[]; value: number[] };
  /** Final portfolio equity over initial cash, in %. */
  returnPct: number;
  /** Largest fall from a running peak of the portfolio's equity, in % (positive, as in the metrics). */
  maxDrawdownPct: number;
  /** Trades of all markets. */
  trades: number;
}

/**
 * The portfolio of `curves` (each from a run with `initialCash`), with `initialCash` split equally.
 * `trades` gives each market's trade count.
 */
export function combineEquity(curves: readonly EquityCurve[], initialCash: number, trades: readonly number[] = []): Portfolio {
  const n = curves.length;
  if (n === 0) return { equity: { time: [], value: [] }, returnPct: 0, maxDrawdownPct: 0, trades: 0 };
  const times = [...new Set(curves.flatMap((c) => Array.from(c.time)))].sort((a, b) => a - b);
  const at = new Array<number>(n).fill(0);
  const last = new Array<number>(n).fill(initialCash);
  const value: number[] = [];
  let peak = -Infinity;
  let maxDd = 0;
  for (const t of times) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const c = curves[i]!;
      while (at[i]! < c.time.length && c.time[at[i]!]! <= t) last[i] = c.value[at[i]!++]!;
      sum += last[i]!;
    }
    const v = sum / n;
    value.push(v);
    if (v > peak) peak = v;
    const dd = (1 - v / peak) * 100;
    if (dd > maxDd) maxDd = dd;
  }
  const final = value.length > 0 ? value[value.length - 1]! : initialCash;
  return {
    equity: { time: times, value },
    returnPct: (final / initialCash - 1) * 100,
    maxDrawdownPct: maxDd,
    trades: trades.reduce((s, x) => s + x, 0),
  };
}
