import { randomUUID } from "node:crypto";
import type { KeyflowDb } from "@keyflow/db";
import { downloadCandles, type DownloadRequest, type DownloadState } from "../data/download";
import { publicExchanges, type ExchangeFactory } from "../data/exchangeFactory";
import { ProgressHub } from "./progressHub";

export interface DownloadProgress extends DownloadState {
  jobId: string;
  exchange: string;
  symbol: string;
  timeframe: string;
}

/** Candle downloads running in the background (I/O bound, so on the main thread), with progress and cancel. */
export class DownloadJobs {
  private readonly hub = new ProgressHub<DownloadProgress>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(
    private readonly db: KeyflowDb,
    private readonly factory: ExchangeFactory = publicExchanges(),
  ) {}

  /** Checks the exchange id (throws a UserError for an unknown one), then downloads in the background. */
  async start(req: DownloadRequest): Promise<{ jobId: string }> {
    const ex = this.factory(req.exchange);
    const jobId = randomUUID();
    const abort = new AbortController();
    const base = { jobId, exchange: req.exchange, symbol: req.symbol, timeframe: req.timeframe };
    this.hub.publish(jobId, {
      ...base,
      status: "running",
      percent: 0,
      fetched: 0,
      added: 0,
      pages: 0,
      from: req.since,
      to: req.until ?? Date.now(),
      lastTime: null,
      gaps: [],
      gapCount: 0,
      seriesId: null,
      note: "Connecting to the exchange…",
      error: null,
    });
    const done = downloadCandles(this.db, ex, req, {
      signal: abort.signal,
      onProgress: (s) => this.hub.publish(jobId, { ...base, ...s }, s.status !== "running"),
    }).then(
      () => undefined,
      () => undefined,
    );
    this.running.set(jobId, { abort, done });
    void done.finally(() => this.running.delete(jobId));
    return { jobId };
  }

  current(jobId: string): DownloadProgress | undefined {
    return this.hub.get(jobId);
  }

  progress(jobId: string, signal?: AbortSignal): AsyncGenerator<DownloadProgress> {
    return this.hub.subscribe(jobId, signal);
  }

  /** Waits for a download to end (tests, CLI). */
  async wait(jobId: string): Promise<DownloadProgress | undefined> {
    await this.running.get(jobId)?.done;
    return this.hub.get(jobId);
  }

  cancel(jobId: string): boolean {
    const job = this.running.get(jobId);
    if (!job) return false;
    job.abort.abort();
    return true;
  }

  async shutdown(): Promise<void> {
    const all = [...this.running.values()];
    for (const j of all) j.abort.abort();
    await Promise.all(all.map((j) => j.done));
  }
}
