import { z } from "zod";
import type { ChunkRunner, ComboRun, BarRange } from "./evaluate";
import { constraintsSchema, objectiveSchema, objectiveValue, constraintBreach, type Constraints, type Objective } from "./objectives";
import { pboCscv, sweepDeflatedSharpe } from "./overfitting";
import { GRID_LIMIT, gridCombos, randomCombos, type Combo, type SweepParam } from "./space";

export const sweepMethodSchema = z.enum(["grid", "random", "halving"]);
export type SweepMethod = z.infer<typeof sweepMethodSchema>;

export const sweepSettingsSchema = z.strictObject({
  method: sweepMethodSchema.default("grid"),
  /** Random: combinations drawn. Halving: combinations started with. */
  samples: z.number().int().min(1).max(GRID_LIMIT).default(200),
  seed: z.number().int().default(1),
  objective: objectiveSchema.default("equity"),
  constraints: constraintsSchema.default({ minTrades: 0 }),
});
export type SweepSettings = z.infer<typeof sweepSettingsSchema>;

export interface SweepRow extends ComboRun {
  /** The objective, or −∞ when the run broke a constraint or did not run. */
  score: number;
}

export interface SweepResult {
  params: SweepParam[];
  settings: SweepSettings;
  /** Full-length runs, in the order they were asked for. */
  rows: SweepRow[];
  /** Index in `rows` of the best run that met the constraints, or null. */
  best: number | null;
  /** Combinations tried, halving's shortened runs included. */
  trials: number;
  /** Deflated Sharpe ratio of the best run (see overfitting.ts), null when it cannot be computed. */
  deflatedSharpe: number | null;
  /** Probability of backtest overfitting by CSCV, null with fewer than two runs. */
  pbo: number | null;
}

export interface SweepProgress {
  done: number;
  total: number;
  best: SweepRow | null;
}

export interface RunOptions {
  onProgress?: (p: SweepProgress) => void;
  signal?: AbortSignal;
  /** Combinations per chunk (default: total split into 8 chunks per runner slot, 1 to 50). */
  chunkSize?: number;
  /** How many chunks may run at once; with a worker pool, its size. */
  parallel?: number;
}

export class SweepCancelled extends Error {
  constructor() {
    super("The sweep was cancelled.");
  }
}

export function scoreOf(run: ComboRun, objective: Objective, constraints: Constraints): number {
  if (!run.metrics) return -Infinity;
  const m = run.metrics;
  if (constraintBreach(m, constraints) !== null) return -Infinity;
  const v = objectiveValue(m, objective);
  return Number.isNaN(v) ? -Infinity : v;
}

/** Index of the highest score above −∞ (the first on ties), or null. */
export function bestIndex(rows: readonly { score: number }[]): number | null {
  let best: number | null = null;
  rows.forEach((r, i) => {
    if (r.score > -Infinity && (best === null || r.score > rows[best]!.score)) best = i;
  });
  return best;
}

/** The combinations a grid or random sweep runs (halving starts from these as well). */
export function sweepCombos(params: readonly SweepParam[], settings: SweepSettings): { ok: true; combos: Combo[] } | { ok: false; error: string } {
  if (settings.method === "grid") return gridCombos(params);
  return { ok: true, combos: randomCombos(params, settings.samples, settings.seed) };
}

/**
 * Runs combinations over bars [0, bars) through a runner, chunk by chunk, and scores them. The
 * result does not depend on the chunking, the order or which backend ran a chunk.
 */
export async function runCombos(
  combos: readonly Combo[],
  range: BarRange,
  settings: Pick<SweepSettings, "objective" | "constraints">,
  runner: ChunkRunner,
  opts: RunOptions & { progressBase?: number; progressTotal?: number; idPrefix?: string } = {},
): Promise<SweepRow[]> {
  const parallel = Math.max(1, opts.parallel ?? 1);
  const size = opts.chunkSize ?? Math.min(50, Math.max(1, Math.ceil(combos.length / (parallel * 8))));
  const rows = new Array<SweepRow>(combos.length);
  let done = 0;
  let best: SweepRow | null = null;
  const starts: number[] = [];
  for (let s = 0; s < combos.length; s += size) starts.push(s);
  let next = 0;
  const lane = async () => {
    while (next < starts.length) {
      if (opts.signal?.aborted) throw new SweepCancelled();
      const start = starts[next++]!;
      const chunk = { id: `${opts.idPrefix ?? "c"}${range.from}-${range.to}:${start}`, combos: combos.slice(start, start + size), bars: range };
      const runs = await runner(chunk);
      runs.forEach((run, k) => {
        const row = { ...run, score: scoreOf(run, settings.objective, settings.constraints) };
        rows[start + k] = row;
        if (row.score > -Infinity && (!best || row.score > best.score)) best = row;
      });
      done += runs.length;
      opts.onProgress?.({ done: (opts.progressBase ?? 0) + done, total: opts.progressTotal ?? combos.length, best });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, starts.length) }, lane));
  if (opts.signal?.aborted) throw new SweepCancelled();
  return rows;
}

const HALVING_ETA = 3;

/** Rung sizes of successive halving from n candidates: each keeps the best third. */
export function halvingRungs(n: number, bars: number): { count: number; bars: number }[] {
  // Enough rungs to end near a handful of survivors, but never a first rung shorter than ~300 bars.
  let k = 1;
  while (k < 5 && n / HALVING_ETA ** k >= 2 && bars / HALVING_ETA ** k >= 300) k++;
  const rungs: { count: number; bars: number }[] = [];
  let count = n;
  for (let r = 0; r < k; r++) {
    rungs.push({ count, bars: r === k - 1 ? bars : Math.round(bars / HALVING_ETA ** (k - 1 - r)) });
    count = Math.max(1, Math.ceil(count / HALVING_ETA));
  }
  return rungs;
}

/** A whole sweep over bars [0, bars): grid, random, or successive halving over the date range. */
export async function runSweep(
  params: SweepParam[],
  settings: SweepSettings,
  bars: number,
  runner: ChunkRunner,
  opts: RunOptions = {},
): Promise<{ ok: true; result: SweepResult } | { ok: false; error: string }> {
  const start = sweepCombos(params, settings);
  if (!start.ok) return start;
  let rows: SweepRow[];
  let firstRung: SweepRow[];
  if (settings.method !== "halving") {
    rows = await runCombos(start.combos, { from: 0, to: bars }, settings, runner, opts);
    firstRung = rows;
  } else {
    // Successive halving: every candidate runs on the oldest part of the range, the best third goes
    // on to a range three times longer, until the survivors run on all of it.
    const rungs = halvingRungs(start.combos.length, bars);
    const total = rungs.reduce((s, r) => s + r.count, 0);
    let candidates = start.combos;
    let base = 0;
    rows = [];
    firstRung = [];
    for (const [r, rung] of rungs.entries()) {
      rows = await runCombos(candidates, { from: 0, to: rung.bars }, settings, runner, { ...opts, progressBase: base, progressTotal: total, idPrefix: `h${r}:` });
      if (r === 0) firstRung = rows;
      base += rows.length;
      if (r < rungs.length - 1) {
        const keep = rungs[r + 1]!.count;
        candidates = rows
          .map((row, i) => ({ row, i }))
          .sort((a, b) => b.row.score - a.row.score || a.i - b.i)
          .slice(0, keep)
          .map((x) => x.row.combo);
      }
    }
  }
  const best = bestIndex(rows);
  const withStats = firstRung.filter((r) => r.stats);
  const bestStats = best === null ? undefined : rows[best]!.stats;
  const dsr = bestStats && withStats.length > 0 ? sweepDeflatedSharpe(bestStats, withStats.map((r) => r.stats!)) : NaN;
  const final = rows.filter((r) => r.stats);
  const pbo = pboCscv(final.map((r) => r.stats!.blocks));
  return {
    ok: true,
    result: {
      params,
      settings,
      rows,
      best,
      trials: firstRung.length,
      deflatedSharpe: Number.isFinite(dsr) ? dsr : null,
      pbo: pbo?.pbo ?? null,
    },
  };
}

/** A sweep row as stored and sent to the page: no return statistics, and a score of null for −∞. */
export interface StoredSweepRow {
  combo: Combo;
  metrics: ComboRun["metrics"];
  score: number | null;
  error?: string;
}

export interface StoredSweep extends Omit<SweepResult, "rows"> {
  rows: StoredSweepRow[];
}

/** What a sweep keeps once it is done (JSON-safe). */
export function storedSweep(r: SweepResult): StoredSweep {
  return {
    ...r,
    rows: r.rows.map((row) => ({ combo: row.combo, metrics: row.metrics, score: Number.isFinite(row.score) ? row.score : null, ...(row.error ? { error: row.error } : {}) })),
  };
}
