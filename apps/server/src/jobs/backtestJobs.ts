import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { BacktestChart, KeyflowDb, PortfolioMarketData } from "@keyflow/db";
import { ProgressHub } from "./progressHub";
import { spawnBacktestWorker } from "./spawnWorker";
import { WorkerPool } from "./workerPool";
import { ReplayWorker } from "./replayWorker";
import { packCandles, type CandleSource, type WorkerMessage, type WorkerRequest } from "./workerProtocol";
import type { PortfolioRules, Settings, StrategySpec } from "@keyflow/core";

export type JobStatus = "queued" | "running" | "done" | "failed" | "cancelled";

/** What `backtests.progress` streams. */
export interface BacktestProgress {
  runId: string;
  status: JobStatus;
  /** 0–100. */
  percent: number;
  done: number;
  total: number;
  barsPerSec: number;
  error: string | null;
}

export interface BacktestJob {
  runId: string;
  spec: StrategySpec;
  hash: string;
  nodeIds: string[];
  settings: Settings;
  timeframeMs: number;
  /** Candles the run covers (counted by the caller; the worker reads them). */
  bars: number;
  seriesId: number;
  /** `candlesVersion` of the series when the run was started. */
  candlesVersion: string;
  range: { from: number; to: number };
}

/** Where one market of a portfolio run reads its candles. */
export type MarketCandles = Pick<BacktestJob, "seriesId" | "candlesVersion" | "range"> & { symbol: string };

/** One flow over several markets as one portfolio (its row in portfolio_runs already exists, queued). */
export interface PortfolioJob extends Omit<BacktestJob, "seriesId" | "candlesVersion" | "range" | "nodeIds"> {
  rules: Required<PortfolioRules>;
  /** In slot order. */
  markets: MarketCandles[];
  /** What each market's candles are (stored with each market's outcome). */
  data: PortfolioMarketData[];
}

const isPortfolio = (job: BacktestJob | PortfolioJob): job is PortfolioJob => "markets" in job;

/** A window of a finished run at bar resolution (`backtests.window`). */
export type WindowJob = Omit<BacktestJob, "bars"> & { window: { from: number; to: number; maxPoints: number } };

interface Active {
  job: BacktestJob | PortfolioJob;
  worker?: Worker;
  /** Holds one of the `concurrency` slots. */
  started: boolean;
  cancelled: boolean;
  settle?: () => void;
}

export interface BacktestJobsOptions {
  /** Backtests running at once, one worker thread each; more wait in a queue. Defaults to the number of cores. */
  concurrency?: number;
  spawn?: () => Worker;
  /** Start an idle worker right away (default true). */
  warm?: boolean;
}

/**
 * Runs backtests (single-market runs and portfolio runs) in worker threads so API calls stay
 * responsive, several at a time, each one cancellable; keeps their progress for subscribers and
 * writes the outcome to the database.
 */
export class BacktestJobs {
  private readonly hub = new ProgressHub<BacktestProgress>();
  private readonly queue: Active[] = [];
  private readonly active = new Map<string, Active>();
  private running = 0;
  private readonly concurrency: number;
  private readonly pool: WorkerPool;
  private closed = false;
  private paused = false;
  private readonly replays: ReplayWorker;

  constructor(
    private readonly db: KeyflowDb,
    options: BacktestJobsOptions = {},
  ) {
    this.concurrency = options.concurrency ?? availableParallelism();
    const spawn = options.spawn ?? spawnBacktestWorker;
    // Finished workers stay for the next run (warm JIT), up to one per slot.
    this.pool = new WorkerPool(spawn, this.concurrency);
    this.replays = new ReplayWorker(spawn);
    if (options.warm ?? true) this.pool.warm(1);
  }

  get runningCount(): number {
    return this.running;
  }

  /** The run's row must already exist (status queued). */
  start(job: BacktestJob): void {
    this.enqueue(job);
  }

  /** A portfolio run, on the same workers and queue; its portfolio_runs row must already exist (status queued). */
  startPortfolio(job: PortfolioJob): void {
    this.enqueue(job);
  }

  private enqueue(job: BacktestJob | PortfolioJob): void {
    if (this.closed) throw new Error("The server is shutting down; start the backtest again once it is back.");
    const a: Active = { job, started: false, cancelled: false };
    this.active.set(job.runId, a);
    this.publish(job.runId, { status: "queued", done: 0, total: job.bars, barsPerSec: 0, error: null });
    this.queue.push(a);
    this.pump();
  }

  /** Current progress; for runs no longer in memory, what the database says. */
  current(runId: string): BacktestProgress | undefined {
    const live = this.hub.get(runId);
    if (live) return live;
    const run = this.db.backtests.getInfo(runId) ?? this.db.portfolios.getInfo(runId);
    if (!run) return undefined;
    const finished = run.status === "done";
    return {
      runId,
      status: run.status,
      percent: finished ? 100 : 0,
      done: finished ? run.bars : 0,
      total: run.bars,
      barsPerSec: finished && run.durationMs ? Math.round(run.bars / (run.durationMs / 1000)) : 0,
      error: run.error,
    };
  }

  async *progress(runId: string, signal?: AbortSignal): AsyncGenerator<BacktestProgress> {
    if (this.hub.has(runId)) {
      yield* this.hub.subscribe(runId, signal);
      return;
    }
    const state = this.current(runId);
    if (state) yield state;
  }

  /** Stops a queued or running backtest; false when it already finished or does not exist. */
  cancel(runId: string, reason = "Cancelled."): boolean {
    const a = this.active.get(runId);
    if (!a || a.cancelled) return false;
    a.cancelled = true;
    const queued = this.queue.indexOf(a);
    if (queued >= 0) this.queue.splice(queued, 1);
    void a.worker?.terminate();
    this.store(a.job).fail(runId, "cancelled", reason);
    this.finish(a, { status: "cancelled", error: reason });
    return true;
  }

  /** Lets running backtests finish for up to `graceMs`, then cancels the rest. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.closed = true;
    this.pool.close();
    this.replays.close();
    for (const a of [...this.queue]) this.cancel(a.job.runId, "Cancelled because the server stopped; run it again.");
    const pending = [...this.active.values()].map((a) => new Promise<void>((resolve) => (a.settle = resolve)));
    if (pending.length === 0) return;
    const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(pending), timer]);
    for (const a of [...this.active.values()]) this.cancel(a.job.runId, "Cancelled because the server stopped; run it again.");
  }

  /** Holds queued runs back (running ones go on) until `resume`, e.g. while maintaining the machine. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  private pump(): void {
    while (!this.paused && this.running < this.concurrency && this.queue.length > 0) {
      const a = this.queue.shift()!;
      this.running++;
      a.started = true;
      this.run(a);
    }
  }

  private run(a: Active): void {
    const { job } = a;
    this.store(job).setStatus(job.runId, "running");
    this.publish(job.runId, { status: "running", done: 0, total: job.bars, barsPerSec: 0, error: null });
    let worker: Worker;
    try {
      worker = this.pool.acquire();
    } catch (e) {
      this.fail(a, e instanceof Error ? e.message : String(e));
      return;
    }
    a.worker = worker;
    const { request, transfer } = this.request(job);
    let settled = false;
    const detach = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (m: WorkerMessage) => {
      if (a.cancelled || settled) return;
      if (m.type === "progress") {
        this.publish(job.runId, { status: "running", done: m.done, total: m.total, barsPerSec: rate(m.done, m.elapsedMs), error: null });
      } else if (m.type === "result" && !isPortfolio(job)) {
        settled = true;
        detach();
        this.pool.release(worker);
        this.db.backtests.finishEncoded(job.runId, { ...m.report, results: m.results, durationMs: Math.round(m.elapsedMs) });
        this.finish(a, { status: "done", done: m.report.bars, total: m.report.bars, barsPerSec: rate(m.report.bars, m.backtestMs), error: null });
      } else if (m.type === "portfolioResult" && isPortfolio(job)) {
        settled = true;
        detach();
        this.pool.release(worker);
        const markets = m.markets.map((o, k) => ({ ...o, first: job.data[k]!.first, last: job.data[k]!.last, dataHash: job.data[k]!.dataHash }));
        this.db.portfolios.finish(job.runId, { metrics: m.metrics, markets, results: m.results, bars: m.bars, durationMs: Math.round(m.elapsedMs) });
        // Progress counts candles of all markets, as the worker does.
        this.finish(a, { status: "done", done: job.bars, total: job.bars, barsPerSec: rate(job.bars, m.backtestMs), error: null });
      } else if (m.type === "error") {
        settled = true;
        detach();
        void worker.terminate();
        this.fail(a, `The backtest failed: ${m.message}`);
      }
    };
    const onError = (e: Error) => {
      if (a.cancelled || settled) return;
      settled = true;
      detach();
      this.fail(a, `The backtest worker crashed: ${e.message}`);
    };
    const onExit = (code: number) => {
      if (a.cancelled || settled) return;
      settled = true;
      detach();
      this.fail(a, `The backtest worker stopped unexpectedly (exit code ${code}).`);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    // Handed-over candles are transferred: the worker owns them from here.
    worker.postMessage(request, transfer);
  }

  /** The worker request for a job, and the buffers of handed-over candles to transfer with it. */
  private request(job: BacktestJob | PortfolioJob): { request: WorkerRequest; transfer: ArrayBuffer[] } {
    const { spec, hash, settings, timeframeMs } = job;
    const sources = isPortfolio(job) ? job.markets.map((m) => this.source(m)) : [this.source(job)];
    const transfer = sources.flatMap((s) => (s.kind === "packed" ? [s.candles.buffer] : []));
    if (!isPortfolio(job)) return { request: { type: "run", spec, hash, nodeIds: job.nodeIds, settings, timeframeMs, source: sources[0]! }, transfer };
    return { request: { type: "portfolio", spec, hash, settings, timeframeMs, rules: job.rules, markets: job.markets.map((m, k) => ({ symbol: m.symbol, source: sources[k]! })) }, transfer };
  }

  /** Where a job's row lives. */
  private store(job: BacktestJob | PortfolioJob): Pick<KeyflowDb["backtests"], "setStatus" | "fail"> {
    return isPortfolio(job) ? this.db.portfolios : this.db.backtests;
  }

  /**
   * Where a worker finds the candles: the database file, read by its own connection; an in-memory
   * database cannot be opened from another thread, so those candles are read here and handed over.
   */
  private source({ seriesId, candlesVersion: version, range }: Pick<BacktestJob, "seriesId" | "candlesVersion" | "range">): CandleSource {
    if (this.db.path !== ":memory:") return { kind: "db", path: this.db.path, seriesId, version, from: range.from, to: range.to };
    return { kind: "packed", candles: packCandles(this.db.candles.read(seriesId, range)) };
  }

  /** Replays a finished run in a worker and cuts a window of it at bar resolution. */
  window(job: WindowJob): Promise<BacktestChart> {
    if (this.closed) return Promise.reject(new Error("The server is shutting down."));
    const source = this.source(job);
    const { runId, spec, hash, nodeIds, settings, timeframeMs, window } = job;
    return this.replays.request({ runId, spec, hash, nodeIds, settings, timeframeMs, source, ...window }, source.kind === "packed" ? [source.candles.buffer] : []);
  }

  private fail(a: Active, message: string): void {
    this.store(a.job).fail(a.job.runId, "failed", message);
    this.finish(a, { status: "failed", error: message });
  }

  private finish(a: Active, state: Partial<Omit<BacktestProgress, "runId" | "percent">> & { status: JobStatus }): void {
    const prev = this.hub.get(a.job.runId);
    this.active.delete(a.job.runId);
    this.publish(
      a.job.runId,
      { done: prev?.done ?? 0, total: a.job.bars, barsPerSec: prev?.barsPerSec ?? 0, error: null, ...state },
      true,
    );
    if (a.started) {
      a.started = false;
      this.running--;
      this.pump();
    }
    a.settle?.();
  }

  private publish(runId: string, s: Omit<BacktestProgress, "runId" | "percent">, final = false): void {
    const percent = s.total > 0 ? Math.min(100, Math.round((s.done / s.total) * 1000) / 10) : s.status === "done" ? 100 : 0;
    this.hub.publish(runId, { runId, percent, ...s }, final);
  }
}

function rate(done: number, ms: number): number {
  return ms > 0 ? Math.round(done / (ms / 1000)) : 0;
}
