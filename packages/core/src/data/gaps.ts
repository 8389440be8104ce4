/** Candles missing between two stored ones: the spacing is more than one timeframe. */
export interface Gap {
  /** Open time of the last candle before the gap. */
  after: number;
  /** Open time of the first candle after it. */
  before: number;
  /** Candles that would fit between the two. */
  missing: number;
}

export interface GapReport {
  /** The first gaps, in time order (at most `max`). */
  gaps: Gap[];
  /** How many gaps there are in all. */
  count: number;
  /** Candles missing in all the gaps. */
  missing: number;
}

/**
 * Finds holes in ascending candle times spaced by `timeframeMs`. A spacing that is not a whole
 * number of timeframes (a misaligned candle) counts as a gap of the candles that fit in it.
 * Pure; `prev` is the open time of a candle just before `time[0]` (a stored series being extended).
 */
export function findGaps(time: ArrayLike<number>, timeframeMs: number, opts: { max?: number; prev?: number | null } = {}): GapReport {
  const max = opts.max ?? 100;
  const gaps: Gap[] = [];
  let count = 0;
  let missing = 0;
  let prev = opts.prev ?? null;
  for (let i = 0; i < time.length; i++) {
    const t = time[i]!;
    if (prev !== null && t - prev > timeframeMs) {
      const m = Math.ceil((t - prev) / timeframeMs) - 1;
      count++;
      missing += m;
      if (gaps.length < max) gaps.push({ after: prev, before: t, missing: m });
    }
    prev = t;
  }
  return { gaps, count, missing };
}

/** "3 gaps (1,440 candles missing); the first: 2024-03-01 00:00 → 2024-03-02 00:00 (1,439)". */
export function describeGaps(report: GapReport, show = 3): string {
  const fmt = (t: number) => new Date(t).toISOString().slice(0, 16).replace("T", " ");
  const first = report.gaps.slice(0, show).map((g) => `${fmt(g.after)} → ${fmt(g.before)} UTC (${g.missing.toLocaleString("en-US")} missing)`);
  const n = report.count;
  return `${n} gap${n === 1 ? "" : "s"} in the candles (${report.missing.toLocaleString("en-US")} missing): ${first.join("; ")}${n > show ? "; …" : ""}`;
}
