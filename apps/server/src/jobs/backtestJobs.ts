import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { KeyflowDb } from "@keyflow/db";
import { ProgressHub } from "./progressHub";
import { spawnBacktestWorker } from "./spawnWorker";
import { WorkerPool } from "./workerPool";
import { packCandles, type RunRequest, type WorkerMessage } from "./workerProtocol";
import type { Candles, Settings, StrategySpec } from "@keyflow/core";

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
  candles: Candles;
}

interface Active {
  job: BacktestJob;
  worker?: Worker;
  /** Holds one of the `concurrency` slots. */
  started: boolean;
  cancelled: boolean;
  settle?: () => void;
}

export interface BacktestJobsOptions {
  /** Backtests running at once; more wait in a queue. Defaults to the cores minus one (at least 2). */
  concurrency?: number;
  spawn?: () => Worker;
  /** Start an idle worker right away (default true). */
  warm?: boolean;
}

/**
 * Runs backtests in worker threads so API calls stay responsive, several at a time, each one
 * cancellable; keeps their progress for subscribers and writes the outcome to the database.
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

  constructor(
    private readonly db: KeyflowDb,
    options: BacktestJobsOptions = {},
  ) {
    this.concurrency = options.concurrency ?? Math.max(2, availableParallelism() - 1);
    this.pool = new WorkerPool(options.spawn ?? spawnBacktestWorker, 1);
    if (options.warm ?? true) this.pool.warm();
  }

  get runningCount(): number {
    return this.running;
  }

  /** The run's row must already exist (status queued). */
  start(job: BacktestJob): void {
    if (this.closed) throw new Error("The server is shutting down; start the backtest again once it is back.");
    const a: Active = { job, started: false, cancelled: false };
    this.active.set(job.runId, a);
    this.publish(job.runId, { status: "queued", done: 0, total: job.candles.length, barsPerSec: 0, error: null });
    this.queue.push(a);
    this.pump();
  }

  /** Current progress; for runs no longer in memory, what the database says. */
  current(runId: string): BacktestProgress | undefined {
    const live = this.hub.get(runId);
    if (live) return live;
    const run = this.db.backtests.get(runId);
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
    this.db.backtests.fail(runId, "cancelled", reason);
    this.finish(a, { status: "cancelled", error: reason });
    return true;
  }

  /** Lets running backtests finish for up to `graceMs`, then cancels the rest. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.closed = true;
    this.pool.close();
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
    this.db.backtests.setStatus(job.runId, "running");
    this.publish(job.runId, { status: "running", done: 0, total: job.candles.length, barsPerSec: 0, error: null });
    let worker: Worker;
    try {
      worker = this.pool.acquire();
    } catch (e) {
      this.fail(a, e instanceof Error ? e.message : String(e));
      return;
    }
    a.worker = worker;
    const candles = packCandles(job.candles);
    const request: RunRequest = {
      type: "run",
      spec: job.spec,
      hash: job.hash,
      nodeIds: job.nodeIds,
      settings: job.settings,
      timeframeMs: job.timeframeMs,
      candles,
    };
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
      } else if (m.type === "result") {
        settled = true;
        detach();
        this.pool.release(worker);
        this.db.backtests.finish(job.runId, { ...m.report, chart: m.chart, durationMs: Math.round(m.elapsedMs) });
        this.finish(a, { status: "done", done: m.report.bars, total: m.report.bars, barsPerSec: rate(m.report.bars, m.backtestMs), error: null });
      } else {
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
    // Transfer the candle buffer: the worker owns it from here.
    worker.postMessage(request, [candles.buffer]);
  }

  private fail(a: Active, message: string): void {
    this.db.backtests.fail(a.job.runId, "failed", message);
    this.finish(a, { status: "failed", error: message });
  }

  private finish(a: Active, state: Partial<Omit<BacktestProgress, "runId" | "percent">> & { status: JobStatus }): void {
    const prev = this.hub.get(a.job.runId);
    this.active.delete(a.job.runId);
    this.publish(
      a.job.runId,
      { done: prev?.done ?? 0, total: a.job.candles.length, barsPerSec: prev?.barsPerSec ?? 0, error: null, ...state },
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
