import { availableParallelism } from "node:os";
import {
  bestIndex,
  monteCarlo,
  runSweep,
  runWalkForward,
  scoreOf,
  storedSweep,
  SweepCancelled,
  WalkForwardCancelled,
  namedCombo,
  type ChunkRunner,
  type ComboRun,
  type Candles,
  type FlowGraph,
  type MonteCarloResult,
  type MonteCarloSettings,
  type SweepParam,
  type SweepProgress,
  type SweepSettings,
  type WalkForwardSettings,
} from "@keyflow/core";
import type { KeyflowDb, ResearchStatus } from "@keyflow/db";
import { ProgressHub } from "../jobs/progressHub";
import { SweepDetached, type QueueStats, type SweepBackend } from "./sweepBackend";

/** What `research.progress` streams. */
export interface ResearchProgress {
  id: string;
  status: ResearchStatus;
  done: number;
  total: number;
  /** Best combination so far (its params by `<node>.<setting>`) and its score. */
  best: { params: Record<string, number>; score: number } | null;
  /** Estimated time left, from the pace so far; null before the first chunk. */
  etaMs: number | null;
  error: string | null;
  /** What the sweep waits for before it can start (the queue unreachable), else absent. */
  waitingFor?: string;
}

export interface ResearchJob {
  id: string;
  flow: FlowGraph;
  params: SweepParam[];
  candles: Candles;
  settings: SweepSettings;
  walkForward: WalkForwardSettings | null;
  /** Combinations (plus out-of-sample runs) the job will run, for the first progress. */
  total: number;
}

/**
 * What a cancelled sweep had finished: the full-length runs that came back (halving's shortened
 * runs are left out), scored as the sweep would have. Trials count these runs; the overfitting
 * statistics need the whole sweep, so they are left empty.
 */
export function partialSweep(job: Pick<ResearchJob, "params" | "settings" | "candles">, runs: readonly ComboRun[]) {
  const rows = runs.map((run) => ({ ...run, score: scoreOf(run, job.settings.objective, job.settings.constraints) }));
  return storedSweep({ params: job.params, settings: job.settings, rows, best: bestIndex(rows), trials: rows.length, deflatedSharpe: null, pbo: null });
}

/**
 * Runs sweeps and walk-forwards through a backend (worker threads, one per core): up to `limit` at
 * once (default one per core; they share the backend's threads chunk by chunk), the others queued in
 * the order they came (status "queued"). Keeps their progress for subscribers and stores the
 * outcome; cancel drops a queued job, or stops a running one between combinations and stores it as
 * cancelled with what it had finished.
 */
export class ResearchJobs {
  private readonly hub = new ProgressHub<ResearchProgress>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly waiting: ResearchJob[] = [];
  private readonly limit: number;
  private closed = false;

  constructor(
    private readonly db: KeyflowDb,
    private readonly backend: SweepBackend,
    opts: { limit?: number } = {},
  ) {
    this.limit = Math.max(1, opts.limit ?? availableParallelism());
  }

  /** The run's row must already exist. */
  start(job: ResearchJob): void {
    if (this.closed) throw new Error("The server is shutting down; start the sweep again once it is back.");
    if (this.running.size < this.limit) {
      this.launch(job);
      return;
    }
    this.waiting.push(job);
    this.db.research.setWaiting(job.id, true);
    this.hub.publish(job.id, { id: job.id, status: "queued", done: 0, total: job.total, best: null, etaMs: null, error: null });
  }

  private launch(job: ResearchJob): void {
    const abort = new AbortController();
    this.db.research.setWaiting(job.id, false);
    this.hub.publish(job.id, { id: job.id, status: "running", done: 0, total: job.total, best: null, etaMs: null, error: null });
    const done = this.run(job, abort.signal).finally(() => {
      this.running.delete(job.id);
      const next = this.closed ? undefined : this.waiting.shift();
      if (next) this.launch(next);
    });
    this.running.set(job.id, { abort, done });
  }

  current(id: string): ResearchProgress | undefined {
    const live = this.hub.get(id);
    if (live) return live;
    const run = this.db.research.get(id);
    if (!run) return undefined;
    const n = run.sweep?.rows.length ?? run.walkForwardResult?.windows.length ?? 0;
    return { id, status: run.status, done: n, total: n, best: null, etaMs: null, error: run.error };
  }

  async *progress(id: string, signal?: AbortSignal): AsyncGenerator<ResearchProgress> {
    if (this.hub.has(id)) {
      yield* this.hub.subscribe(id, signal);
      return;
    }
    const state = this.current(id);
    if (state) yield state;
  }

  /** Where sweeps run: threads here, or a queue and its state (workers, chunks waiting/active/failed). */
  async backendState(): Promise<({ kind: "queue" } & QueueStats) | { kind: "threads" }> {
    return this.backend.queue ? { kind: "queue", ...(await this.backend.queue()) } : { kind: "threads" };
  }

  /** Monte Carlo where sweeps run: on the queue's workers when there is one, else here. */
  monteCarlo(initialCash: number, pnls: number[], settings: MonteCarloSettings): Promise<MonteCarloResult> {
    return this.backend.monteCarlo ? this.backend.monteCarlo(initialCash, pnls, settings) : Promise.resolve(monteCarlo(initialCash, pnls, settings));
  }

  /** Packed candles of a running sweep by hash, for workers (the queue backend keeps them). */
  candles(hash: string): Buffer | undefined {
    return this.backend.candles?.(hash);
  }

  /** Sweeps outlive this process (a queue): a restart picks them up rather than failing them. */
  get durable(): boolean {
    return this.backend.durable === true;
  }

  cancel(id: string): boolean {
    const queued = this.waiting.findIndex((j) => j.id === id);
    if (queued >= 0) {
      this.waiting.splice(queued, 1);
      this.stop(id, "Cancelled before it started.");
      return true;
    }
    const abort = this.running.get(id)?.abort;
    if (!abort || abort.signal.aborted) return false;
    abort.abort();
    return true;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const running = () => Promise.all([...this.running.values()].map((r) => r.done));
    if (this.durable) {
      // The queue keeps the chunks: running sweeps detach, queued ones stay queued in the database,
      // and the next server goes on with both.
      this.waiting.splice(0);
      await this.backend.close();
      await running();
      return;
    }
    for (const job of this.waiting.splice(0)) this.stop(job.id, "Cancelled because the server stopped; run it again.");
    for (const { abort } of this.running.values()) abort.abort();
    await running();
    await this.backend.close();
  }

  /** A job that never ran: stored and announced as cancelled. */
  private stop(id: string, message: string): void {
    this.db.research.fail(id, "cancelled", message);
    this.hub.publish(id, { ...this.hub.get(id)!, status: "cancelled", error: message, etaMs: null }, true);
  }

  private async run(job: ResearchJob, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const publish = (p: Partial<ResearchProgress>, final = false) => this.hub.publish(job.id, { ...this.hub.get(job.id)!, ...p }, final);
    const onProgress = (p: SweepProgress) => {
      const elapsed = performance.now() - started;
      publish({
        done: p.done,
        total: p.total,
        etaMs: p.done > 0 ? Math.round((elapsed / p.done) * (p.total - p.done)) : null,
        ...(p.best ? { best: { params: namedCombo(job.params, p.best.combo), score: p.best.score } } : {}),
      });
    };
    // Full-length runs as they come back: what a cancelled sweep keeps.
    const finished: ComboRun[] = [];
    // Combinations done in chunks still running, added to the finished ones.
    let partial = 0;
    let shown = 0;
    let last: SweepProgress = { done: 0, total: job.total, best: null };
    const onChunks = (p: SweepProgress) => {
      last = p;
      // A chunk's partial count leaves just before its runs arrive: never show a step back.
      shown = Math.max(shown, Math.min(p.total, p.done + partial));
      onProgress({ ...p, done: shown });
    };
    const onPartial = (n: number) => {
      partial = n;
      onChunks(last);
    };
    const onWait = (w: string | null) => publish(w === null ? { waitingFor: undefined } : { waitingFor: w });
    try {
      if (signal.aborted) throw new SweepCancelled();
      if (this.closed && this.durable) throw new SweepDetached();
      const session = await this.backend.open({ flow: job.flow, params: job.params, candles: job.candles }, { signal, onWait, onPartial });
      try {
        const runner: ChunkRunner = async (chunk) => {
          const runs = await session.runner(chunk);
          if (chunk.bars.from === 0 && chunk.bars.to === job.candles.length) finished.push(...runs);
          return runs;
        };
        const opts = { parallel: session.parallel, onProgress: onChunks, signal };
        if (job.walkForward) {
          const out = await runWalkForward(job.params, job.settings, job.walkForward, job.candles.length, runner, opts);
          if (!out.ok) throw new Error(out.error);
          this.db.research.finish(job.id, { walkForwardResult: out.result, durationMs: Math.round(performance.now() - started) });
        } else {
          const out = await runSweep(job.params, job.settings, job.candles.length, runner, opts);
          if (!out.ok) throw new Error(out.error);
          this.db.research.finish(job.id, { sweep: storedSweep(out.result), durationMs: Math.round(performance.now() - started) });
        }
      } finally {
        await session.close();
      }
      publish({ status: "done", etaMs: 0 }, true);
    } catch (e) {
      // Left running in the database: the next server picks it up from the queue.
      if (e instanceof SweepDetached) return;
      const cancelled = e instanceof SweepCancelled;
      const message = cancelled ? (this.closed ? "Cancelled because the server stopped; run it again." : "Cancelled.") : `The sweep failed: ${e instanceof Error ? e.message : String(e)}`;
      const durationMs = Math.round(performance.now() - started);
      // Cancelled: keep what finished (the session is closed by now, so every chunk has come back).
      const partial = !cancelled
        ? {}
        : e instanceof WalkForwardCancelled
          ? { walkForwardResult: e.partial, durationMs }
          : job.walkForward
            ? { durationMs }
            : { sweep: partialSweep(job, finished), durationMs };
      this.db.research.fail(job.id, cancelled ? "cancelled" : "failed", message, partial);
      publish({ status: cancelled ? "cancelled" : "failed", error: message, etaMs: null }, true);
    }
  }
}
