import { z } from "zod";
import { compileFlow } from "../compile/compile";
import { sliceCandles, type Candles } from "../data/candles";
import { simulate } from "../engine/backtest";
import { medianSpacingMs } from "../engine/barSpacing";
import { headlineMetrics } from "../engine/metrics";
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
  /** Median bar spacing of each cached range's candles (measured once, not per run). */
  private readonly spacing = new WeakMap<SeriesCache, number>();
  /** Equity curves are written here run after run: only their statistics are kept. */
  private equity = new Float64Array(0);

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
    const candles = cache.candles;
    if (this.equity.length < candles.length) this.equity = new Float64Array(candles.length);
    let spacing = this.spacing.get(cache);
    if (spacing === undefined) this.spacing.set(cache, (spacing = medianSpacingMs(candles.time)));
    // What `backtest` does, less what a sweep does not keep (trade rows, monthly table, chart).
    const run = simulate(compiled.spec, candles, flow.settings, { shared: cache.sharedFor(compiled.spec), equity: this.equity, keepTrades: false });
    const metrics = headlineMetrics(
      {
        initialCash: flow.settings.initialCash,
        equity: run.equity,
        time: candles.time,
        close: candles.close,
        trades: run.broker.tally,
        barsInMarket: run.tally.inMarket,
        fees: run.broker.totalFees,
        firstTradableBar: Math.max(0, run.tally.firstTradable),
        timeframeMs: TIMEFRAME_MS[flow.market.timeframe],
      },
      spacing,
    );
    const out: ComboRun = { combo, metrics, stats: returnStats(run.equity) };
    // A copy: the buffer is reused by the next combination.
    if (keepEquity) out.equity = { start: flow.settings.initialCash, values: Array.from(run.equity) };
    return out;
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
