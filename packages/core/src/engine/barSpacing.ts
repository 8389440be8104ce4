/**
 * The data's bar length: the median gap between consecutive candle times (0 with fewer than two
 * candles). The median, not the mean, so an exchange outage or a weekend does not stretch it.
 * Gaps come in long runs of one value, so they are counted per run, not sorted: O(n), no big copy.
 */
export function medianSpacingMs(time: ArrayLike<number>): number {
  const gaps = time.length - 1;
  if (gaps < 1) return 0;
  const counts = new Map<number, number>();
  let run = time[1]! - time[0]!;
  let runLength = 0;
  for (let i = 1; i <= gaps; i++) {
    const d = time[i]! - time[i - 1]!;
    if (d === run) {
      runLength++;
      continue;
    }
    counts.set(run, (counts.get(run) ?? 0) + runLength);
    run = d;
    runLength = 1;
  }
  counts.set(run, (counts.get(run) ?? 0) + runLength);
  // The lower median (an actual gap, never an average of two).
  const middle = Math.floor((gaps - 1) / 2);
  let seen = 0;
  for (const d of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(d)!;
    if (seen > middle) return d;
  }
  return run;
}

const UNITS: [ms: number, unit: string][] = [
  [604_800_000, "w"],
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "m"],
  [1_000, "s"],
];

/** A bar length as a trader writes it: 1m, 4h, 1d; "250ms" when nothing rounder fits. */
export function formatSpacing(ms: number): string {
  for (const [unit, name] of UNITS) if (ms >= unit && ms % unit === 0) return `${ms / unit}${name}`;
  return `${ms}ms`;
}
