import { normalCdf, normalQuantile } from "./normal";
import { blocksSharpe, type ReturnBlock, type ReturnStats } from "./returnStats";

const EULER_GAMMA = 0.5772156649015329;

/**
 * Expected maximum of `trials` Sharpe ratios that are all zero in truth, given the variance of the
 * trials' Sharpe ratios (Bailey & López de Prado 2014, eq. for SR₀).
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (trials < 2 || !(sharpeVariance > 0)) return 0;
  const sd = Math.sqrt(sharpeVariance);
  return sd * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / trials) + EULER_GAMMA * normalQuantile(1 - 1 / (trials * Math.E)));
}

export interface DeflatedSharpeInput {
  /** The selected run's Sharpe ratio, per bar (not annualised). */
  sharpe: number;
  /** Bar returns behind it. */
  n: number;
  skew: number;
  /** Not the excess: 3 for normal returns. */
  kurtosis: number;
  trials: number;
  /** Variance of the per-bar Sharpe ratios over all trials. */
  sharpeVariance: number;
}

/**
 * Deflated Sharpe ratio (Bailey & López de Prado 2014): the probability that the selected Sharpe
 * ratio beats the best one expected from this many trials of pure luck, allowing for short samples
 * and for skewed, fat-tailed returns.
 */
export function deflatedSharpe(x: DeflatedSharpeInput): number {
  const sr0 = expectedMaxSharpe(x.trials, x.sharpeVariance);
  const denom = 1 - x.skew * x.sharpe + ((x.kurtosis - 1) / 4) * x.sharpe * x.sharpe;
  if (x.n < 2 || !(denom > 0)) return NaN;
  return normalCdf(((x.sharpe - sr0) * Math.sqrt(x.n - 1)) / Math.sqrt(denom));
}

/** DSR of the best of a sweep's runs, the trials being all of them. */
export function sweepDeflatedSharpe(best: ReturnStats, all: readonly ReturnStats[]): number {
  const srs = all.map((s) => s.sharpe);
  const mean = srs.reduce((a, b) => a + b, 0) / Math.max(1, srs.length);
  const variance = srs.length > 1 ? srs.reduce((a, b) => a + (b - mean) ** 2, 0) / (srs.length - 1) : 0;
  return deflatedSharpe({ sharpe: best.sharpe, n: best.n, skew: best.skew, kurtosis: best.kurtosis, trials: all.length, sharpeVariance: variance });
}

/** Every way to pick `k` of `n` indices, in lexicographic order. */
export function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick: number[] = [];
  const go = (start: number) => {
    if (pick.length === k) {
      out.push([...pick]);
      return;
    }
    for (let i = start; i <= n - (k - pick.length); i++) {
      pick.push(i);
      go(i + 1);
      pick.pop();
    }
  };
  go(0);
  return out;
}

export interface PboResult {
  /** Share of the splits where the in-sample best ranks in the bottom half out of sample. */
  pbo: number;
  /** Logit of the out-of-sample relative rank of the in-sample best, per split. */
  logits: number[];
}

/**
 * Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey,
 * Borwein, López de Prado & Zhu 2015). `blocks[j][s]` holds run j's returns in time block s (an even
 * number of blocks). Each way of choosing half the blocks is a split: the run with the best Sharpe
 * ratio on that half is ranked among all runs on the other half; ω = rank / (N + 1) and
 * λ = ln(ω / (1 − ω)). PBO is the share of splits with λ ≤ 0. Null with fewer than two runs.
 */
export function pboCscv(blocks: readonly (readonly ReturnBlock[])[]): PboResult | null {
  const runs = blocks.length;
  if (runs < 2) return null;
  const s = blocks[0]!.length;
  if (s < 2 || s % 2 !== 0) throw new Error("CSCV needs an even number of blocks");
  const logits: number[] = [];
  for (const train of combinations(s, s / 2)) {
    const inTrain = new Set(train);
    const test = Array.from({ length: s }, (_, i) => i).filter((i) => !inTrain.has(i));
    const isPerf = blocks.map((b) => blocksSharpe(b, train));
    const oosPerf = blocks.map((b) => blocksSharpe(b, test));
    let best = 0;
    for (let j = 1; j < runs; j++) if (isPerf[j]! > isPerf[best]!) best = j;
    // Rank 1 = worst out of sample; ties share the lower rank, so a tie never counts as a win.
    let rank = 1;
    for (let j = 0; j < runs; j++) if (j !== best && oosPerf[j]! < oosPerf[best]!) rank++;
    const w = rank / (runs + 1);
    logits.push(Math.log(w / (1 - w)));
  }
  return { pbo: logits.filter((l) => l <= 0).length / logits.length, logits };
}
