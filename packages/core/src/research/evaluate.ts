import { z } from "zod";
import { compileFlow } from "../compile/compile";
import { sliceCandles, type Candles } from "../data/candles";
import { backtest } from "../engine/backtest";
import { metricsSchema, type Metrics } from "../engine/result";
import { TIMEFRAME_MS, type FlowGraph } from "../flow/schema";
import { returnStats, type ReturnStats } from "./returnStats";
import { SeriesCache } from "./sharedSeries";
import { applyCombo, type Combo, type SweepParam } from "./space";

/** The metrics a sweep keeps per combination (not the monthly table or trade lists). */
export const sweepMetricsSchema = metricsSchema.pick({
  finalEquity: true,
  totalReturnPct: true,
  cagrPct: true,
  maxDrawdownPct: true,
  sharpe: true,
  sortino: true,
  calmar: true,
  profitFactor: true,
  trades: true,
  winRatePct: true,
});
export type SweepMetrics = z.infer<typeof sweepMetricsSchema>;

/** One combination run over one stretch of candles. */
export interface ComboRun {
  combo: Combo;
  metrics: SweepMetrics | null;
  /** Why the combination could not run (it does not compile with these values). */
  error?: string;
  stats?: ReturnStats;
  /** The run's equity bar by bar and the cash it started with, when the chunk asked for it (`keepEquity`). */
  equity?: { start: number; values: number[] };
}

/** Bars [from, to) of the candles a job was given. */
export interface BarRange {
  from: number;
  to: number;
}

/**
 * A chunk of a sweep: the unit a backend (worker threads now, a queue later) runs. Pure data, so it
 * can cross a thread or a network; its result depends only on it and the candles.
 */
export interface SweepChunk {
  id: string;
  combos: Combo[];
  bars: BarRange;
  /** Return each run's equity curve too (walk-forward's out-of-sample runs, for the stitched curve). */
  keepEquity?: boolean;
}

/** Runs chunks somewhere and gives back their runs in the order of `chunk.combos`. */
export type ChunkRunner = (chunk: SweepChunk) => Promise<ComboRun[]>;

export const pickSweepMetrics = (m: Metrics): SweepMetrics => sweepMetricsSchema.parse(m);

/**
 * Runs combinations in this thread with indicator series shared across them (one cache per bar
 * range, the last few kept). Every run equals `backtest` of the same combination on the same bars.
 */
export class ComboEvaluator {
  private readonly caches = new Map<string, SeriesCache>();

  constructor(
    readonly flow: FlowGraph,
    readonly params: readonly SweepParam[],
    readonly candles: Candles,
    readonly cacheBytes = 256 * 1024 * 1024,
  ) {}

  /** Largest indicator cache so far, in bytes. */
  get peakCacheBytes(): number {
    let peak = 0;
    for (const c of this.caches.values()) peak = Math.max(peak, c.peakBytes);
    return peak;
  }

  private cacheFor(bars: BarRange): SeriesCache {
    const key = `${bars.from}:${bars.to}`;
    let cache = this.caches.get(key);
    if (!cache) {
      if (this.caches.size >= 2) this.caches.delete(this.caches.keys().next().value!);
      cache = new SeriesCache(sliceCandles(this.candles, bars.from, bars.to), this.cacheBytes);
      this.caches.set(key, cache);
    }
    return cache;
  }

  run(combo: Combo, bars: BarRange = { from: 0, to: this.candles.length }, keepEquity = false): ComboRun {
    const flow = applyCombo(this.flow, this.params, combo);
    const compiled = compileFlow(flow);
    if (!compiled.ok) return { combo, metrics: null, error: compiled.errors.map((e) => e.message).join(" ") };
    const cache = this.cacheFor(bars);
    const result = backtest(compiled.spec, cache.candles, flow.settings, {
      hash: compiled.hash,
      timeframeMs: TIMEFRAME_MS[flow.market.timeframe],
      shared: cache.sharedFor(compiled.spec),
    });
    const run: ComboRun = { combo, metrics: pickSweepMetrics(result.metrics), stats: returnStats(result.equity) };
    if (keepEquity) run.equity = { start: flow.settings.initialCash, values: Array.from(result.equity) };
    return run;
  }

  /**
   * `stop`, asked between combinations: true ends the chunk early with the runs made so far (a
   * cancelled sweep). `onRun`: told the number of combinations done after each (progress within a chunk).
   */
  runChunk(chunk: SweepChunk, hooks: { stop?: () => boolean; onRun?: (done: number) => void } = {}): ComboRun[] {
    const runs: ComboRun[] = [];
    for (const c of chunk.combos) {
      if (hooks.stop?.()) break;
      runs.push(this.run(c, chunk.bars, chunk.keepEquity === true));
      hooks.onRun?.(runs.length);
    }
    return runs;
  }
}

/** A ChunkRunner in this thread (the CLI, tests, and the browser). */
export function localRunner(evaluator: ComboEvaluator): ChunkRunner {
  return async (chunk) => evaluator.runChunk(chunk);
}
