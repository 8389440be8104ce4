import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TIMEFRAME_MS } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { downloadCandles, type DownloadRequest, type DownloadState } from "../data/download";
import { publicExchanges, type ExchangeFactory } from "../data/exchangeFactory";
import { ProgressHub } from "./progressHub";

export interface DownloadProgress extends DownloadState {
  jobId: string;
  exchange: string;
  symbol: string;
  timeframe: string;
  /** The start date asked for (a resume asks for it again). */
  since: number;
  until: number | null;
  startedAt: number;
  /** Candles stored per second since this job started; null before the first page. */
  candlesPerSec: number | null;
  /** Seconds left at the current rate; null when unknown. */
  etaSec: number | null;
}

/** Where unfinished downloads are remembered, so a server restart continues them. */
const PENDING_FILE = "downloads.json";

/** Candle downloads running in the background (I/O bound, so on the main thread), with progress and cancel. */
export class DownloadJobs {
  private readonly hub = new ProgressHub<DownloadProgress>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void>; req: DownloadRequest }>();
  private readonly pendingPath: string | undefined;

  constructor(
    private readonly db: KeyflowDb,
    /** How public exchange instances are made (markets lists use it too). */
    readonly factory: ExchangeFactory = publicExchanges(),
    opts: { dataDir?: string } = {},
  ) {
    this.pendingPath = opts.dataDir ? join(opts.dataDir, PENDING_FILE) : undefined;
  }

  /** Continues the downloads the last run of the server did not finish (each from its last stored candle). */
  resumePending(log: (line: string) => void = () => {}): number {
    if (!this.pendingPath || !existsSync(this.pendingPath)) return 0;
    let reqs: DownloadRequest[] = [];
    try {
      reqs = JSON.parse(readFileSync(this.pendingPath, "utf8")) as DownloadRequest[];
    } catch {
      return 0;
    }
    let n = 0;
    for (const r of reqs) {
      try {
        this.begin(r);
        n++;
      } catch (e) {
        log(`Could not resume the download of ${r.exchange} ${r.symbol} ${r.timeframe}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (n > 0) log(`Resumed ${n} candle download${n === 1 ? "" : "s"} cut by the last shutdown.`);
    return n;
  }

  /** Checks the exchange id (throws a UserError for an unknown one), then downloads in the background. */
  async start(req: DownloadRequest): Promise<{ jobId: string }> {
    return this.begin(req);
  }

  private begin(req: DownloadRequest): { jobId: string } {
    // The same market already downloading: follow that job instead of racing it.
    for (const [jobId, job] of this.running) {
      if (job.req.exchange === req.exchange && job.req.symbol === req.symbol && job.req.timeframe === req.timeframe) return { jobId };
    }
    const ex = this.factory(req.exchange);
    const jobId = randomUUID();
    const abort = new AbortController();
    const startedAt = Date.now();
    const tf = TIMEFRAME_MS[req.timeframe];
    const base = { jobId, exchange: req.exchange, symbol: req.symbol, timeframe: req.timeframe, since: req.since, until: req.until ?? null, startedAt };
    const withRate = (s: DownloadState): DownloadProgress => {
      const secs = (Date.now() - startedAt) / 1000;
      const rate = s.fetched > 0 && secs > 0 ? s.fetched / secs : null;
      const left = s.lastTime === null ? null : Math.max(0, (s.to - s.lastTime - tf) / tf);
      return { ...base, ...s, candlesPerSec: rate, etaSec: rate && left !== null && s.status === "running" ? left / rate : null };
    };
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
      candlesPerSec: null,
      etaSec: null,
    });
    const done = downloadCandles(this.db, ex, req, {
      signal: abort.signal,
      onProgress: (s) => this.hub.publish(jobId, withRate(s), s.status !== "running"),
    }).then(
      () => undefined,
      () => undefined,
    );
    this.running.set(jobId, { abort, done, req });
    this.savePending();
    void done.finally(() => {
      this.running.delete(jobId);
      if (!this.closing) this.savePending();
      void ex.close?.();
    });
    return { jobId };
  }

  private closing = false;

  private savePending(): void {
    if (!this.pendingPath) return;
    const tmp = `${this.pendingPath}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.running.values()].map((j) => j.req)), { mode: 0o600 });
    renameSync(tmp, this.pendingPath);
  }

  current(jobId: string): DownloadProgress | undefined {
    return this.hub.get(jobId);
  }

  /** Downloads running now (a page opened later shows their progress). */
  list(): DownloadProgress[] {
    return [...this.running.keys()].flatMap((id) => this.hub.get(id) ?? []);
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

  /** Stops every download; they are remembered and continue on the next start. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const all = [...this.running.values()];
    for (const j of all) j.abort.abort();
    await Promise.all(all.map((j) => j.done));
  }
}
