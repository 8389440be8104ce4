import { z } from "zod";
import { mulberry32 } from "../data/demo";

export const monteCarloSettingsSchema = z.strictObject({
  method: z.enum(["shuffle", "bootstrap"]).default("shuffle"),
  runs: z.number().int().min(10).max(100_000).default(1000),
  seed: z.number().int().default(1),
});
export type MonteCarloSettings = z.infer<typeof monteCarloSettingsSchema>;

export interface Distribution {
  p5: number;
  p50: number;
  p95: number;
  /** Equal-width bins from min to max. */
  histogram: { from: number; to: number; count: number }[];
}

export interface MonteCarloResult {
  settings: MonteCarloSettings;
  trades: number;
  /** Max drawdown of each run's trade-by-trade equity, in % (positive). */
  maxDrawdownPct: Distribution;
  finalEquity: Distribution;
  /** The same measures for the trades in their real order. */
  actual: { maxDrawdownPct: number; finalEquity: number };
}

/** Linear interpolation between closest ranks (the "R-7" definition, as numpy's default). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function distribution(values: Float64Array, bins = 30): Distribution {
  const sorted = Float64Array.from(values).sort();
  const min = sorted[0] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  // Shuffled trades compound to the same equity up to rounding: that is one value, not a spread.
  const spread = max - min > 1e-9 * Math.max(1, Math.abs(max));
  const width = spread ? (max - min) / bins : 1;
  const histogram = Array.from({ length: spread ? bins : 1 }, (_, k) => ({ from: min + k * width, to: spread ? min + (k + 1) * width : max, count: 0 }));
  for (const v of sorted) histogram[Math.min(histogram.length - 1, Math.floor((v - min) / width))]!.count++;
  return { p5: percentile(sorted, 0.05), p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), histogram };
}

/** Final equity and max drawdown (%) of compounding the trade returns `f` in the order of `order`. */
function path(initialCash: number, f: Float64Array, order: ArrayLike<number>): [number, number] {
  let eq = initialCash;
  let peak = initialCash;
  let dd = 0;
  for (let k = 0; k < order.length; k++) {
    eq *= 1 + f[order[k]!]!;
    if (eq > peak) peak = eq;
    else dd = Math.max(dd, 1 - eq / peak);
  }
  return [eq, dd * 100];
}

/**
 * Resamples a backtest's closed trades: each trade is a return on the equity it was opened with,
 * and the runs compound those returns in a shuffled order (same trades, other luck of sequence) or
 * drawn with replacement (bootstrap). Drawdowns are measured trade to trade, so they do not see
 * the dips inside a trade.
 */
export function monteCarlo(initialCash: number, tradePnls: readonly number[], settings: MonteCarloSettings): MonteCarloResult {
  const n = tradePnls.length;
  const f = new Float64Array(n);
  let eq = initialCash;
  tradePnls.forEach((pnl, k) => {
    f[k] = pnl / eq;
    eq += pnl;
  });
  const identity = Uint32Array.from({ length: n }, (_, k) => k);
  const [actualEq, actualDd] = path(initialCash, f, identity);
  const rand = mulberry32(settings.seed);
  const finals = new Float64Array(settings.runs);
  const dds = new Float64Array(settings.runs);
  const order = new Uint32Array(n);
  for (let r = 0; r < settings.runs; r++) {
    if (settings.method === "shuffle") {
      order.set(identity);
      for (let k = n - 1; k > 0; k--) {
        const j = Math.floor(rand() * (k + 1));
        const t = order[k]!;
        order[k] = order[j]!;
        order[j] = t;
      }
    } else {
      for (let k = 0; k < n; k++) order[k] = Math.floor(rand() * n);
    }
    const [e, d] = path(initialCash, f, order);
    finals[r] = e;
    dds[r] = d;
  }
  return {
    settings,
    trades: n,
    maxDrawdownPct: distribution(dds),
    finalEquity: distribution(finals),
    actual: { maxDrawdownPct: actualDd, finalEquity: actualEq },
  };
}
