/**
 * Blocks the bar returns are summed into, for the overfitting test (CSCV splits them in halves):
 * 12 gives 924 splits, enough for a stable PBO and quick with a thousand runs (16 would be 12,870).
 */
export const CSCV_BLOCKS = 12;

/** Sums of a run's bar returns over one stretch of time: enough to get a Sharpe ratio of any union of stretches. */
export interface ReturnBlock {
  n: number;
  sum: number;
  sumSq: number;
}

/** A run's bar-return moments (per bar, not annualised) and its return blocks, for DSR and PBO. */
export interface ReturnStats {
  n: number;
  /** Mean over standard deviation of the bar returns (per bar). */
  sharpe: number;
  skew: number;
  /** Kurtosis (3 for a normal distribution, not the excess). */
  kurtosis: number;
  blocks: ReturnBlock[];
}

/** Bar returns of an equity curve, split into `blocks` equal stretches of time. */
export function returnStats(equity: ArrayLike<number>, blocks = CSCV_BLOCKS): ReturnStats {
  const n = Math.max(0, equity.length - 1);
  const out: ReturnBlock[] = Array.from({ length: blocks }, () => ({ n: 0, sum: 0, sumSq: 0 }));
  let s1 = 0;
  // Return i (from bar i-1 to bar i) goes to block ⌊(i−1)·blocks / n⌋: block k holds returns
  // ⌈k·n / blocks⌉ + 1 up to ⌈(k+1)·n / blocks⌉, so the loop needs no division per bar.
  for (let k = 0, i = 1; k < blocks; k++) {
    const b = out[k]!;
    const end = Math.ceil(((k + 1) * n) / blocks);
    let bn = 0;
    let sum = 0;
    let sumSq = 0;
    for (; i <= end; i++) {
      const r = equity[i]! / equity[i - 1]! - 1;
      bn++;
      sum += r;
      sumSq += r * r;
      s1 += r;
    }
    b.n = bn;
    b.sum = sum;
    b.sumSq = sumSq;
  }
  const mean = n > 0 ? s1 / n : 0;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 1; i <= n; i++) {
    const d = equity[i]! / equity[i - 1]! - 1 - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const pm2 = n > 0 ? m2 / n : 0;
  return {
    n,
    sharpe: sd > 0 ? mean / sd : 0,
    skew: pm2 > 0 ? m3 / n / pm2 ** 1.5 : 0,
    kurtosis: pm2 > 0 ? m4 / n / (pm2 * pm2) : 3,
    blocks: out,
  };
}

/** Per-bar Sharpe ratio of the union of the blocks at `which` (sample standard deviation); 0 without spread. */
export function blocksSharpe(blocks: readonly ReturnBlock[], which: readonly number[]): number {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (const k of which) {
    const b = blocks[k]!;
    n += b.n;
    sum += b.sum;
    sumSq += b.sumSq;
  }
  if (n < 2) return 0;
  const mean = sum / n;
  const variance = (sumSq - n * mean * mean) / (n - 1);
  return variance > 0 ? mean / Math.sqrt(variance) : 0;
}
