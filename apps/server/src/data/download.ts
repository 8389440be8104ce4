import { TIMEFRAME_MS, type Gap, type Market } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { classifyError, downloadPages, DownloadError, redact, Retrier, type RetryEvent } from "@keyflow/exchange";
import type { Exchange } from "ccxt";

export interface DownloadRequest extends Market {
  /** Unix ms of the first candle wanted. */
  since: number;
  /** Unix ms, exclusive; default now (only closed candles are stored). */
  until?: number;
}

export type { Gap };

export interface DownloadState {
  status: "running" | "done" | "failed" | "cancelled";
  percent: number;
  /** Candles received from the exchange so far. */
  fetched: number;
  /** Candles that were not stored before. */
  added: number;
  pages: number;
  /** Where this download started: `since`, or just after the last stored candle when resuming. */
  from: number;
  to: number;
  lastTime: number | null;
  /** The first gaps found (at most 200); `gapCount` counts them all. */
  gaps: Gap[];
  gapCount: number;
  seriesId: number | null;
  /** What is happening now, e.g. waiting out a rate limit. */
  note: string | null;
  error: string | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (state: DownloadState) => void;
  now?: () => number;
  /** Tries of one request on network errors and rate limits before giving up. */
  maxAttempts?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const MAX_GAPS_REPORTED = 200;

/**
 * Downloads candles through packages/exchange's paged downloader and stores each page as it
 * arrives (merging, so a retry or a re-run never duplicates). Resumes after the last stored candle
 * when the stored history already reaches back to `since` — after a cut, a cancel or a restart.
 * Every request goes through the one Retrier and the instance's shared limiter; gaps are reported.
 */
export async function downloadCandles(db: KeyflowDb, ex: Exchange, req: DownloadRequest, opts: DownloadOptions = {}): Promise<DownloadState> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const tf = TIMEFRAME_MS[req.timeframe];
  const market: Market = { exchange: req.exchange, symbol: req.symbol, timeframe: req.timeframe };
  const state: DownloadState = {
    status: "running",
    percent: 0,
    fetched: 0,
    added: 0,
    pages: 0,
    from: req.since,
    to: Math.min(req.until ?? Infinity, now()),
    lastTime: null,
    gaps: [],
    gapCount: 0,
    seriesId: null,
    note: null,
    error: null,
  };
  const report = () => opts.onProgress?.({ ...state, gaps: [...state.gaps] });
  const onRetry = (e: RetryEvent) => {
    const wait = Math.ceil(e.delayMs / 1000);
    state.note = `${e.kind === "rate-limited" ? "Rate limited by the exchange" : `Network problem (${e.kind})`} while ${e.label}; retrying in ${wait} s.`;
    report();
  };
  const retrier = new Retrier({
    onRetry,
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : { maxAttempts: 7 }),
    clock: { now, sleep: (ms) => sleep(ms, opts.signal) },
  });

  try {
    const series = db.candles.ensure(market, "exchange");
    state.seriesId = series.id;
    // Only closed candles: one that opened less than a timeframe ago is still changing.
    const end = Math.min(req.until ?? Infinity, Math.floor(now() / tf) * tf);
    state.to = end;
    let cursor = Math.ceil(req.since / tf) * tf;
    let prev: number | null = null;
    if (series.firstTime !== null && series.lastTime !== null && series.firstTime <= cursor && series.lastTime >= cursor) {
      cursor = series.lastTime + tf;
      prev = series.lastTime;
    }
    state.from = cursor;
    const span = Math.max(1, end - cursor);
    report();

    await downloadPages(ex, { symbol: req.symbol, timeframe: req.timeframe, from: cursor, end, prev }, {
      retrier,
      ...(opts.signal ? { signal: opts.signal } : {}),
      store: (page) => {
        const stored = db.candles.insert(series.id, page.candles);
        const last = page.candles.time[page.candles.length - 1]!;
        state.pages++;
        state.fetched += page.candles.length;
        state.added += stored.added;
        state.lastTime = last;
        state.gapCount += page.gapCount;
        for (const g of page.gaps) if (state.gaps.length < MAX_GAPS_REPORTED) state.gaps.push(g);
        state.note = null;
        state.percent = Math.min(100, Math.round(((last + tf - state.from) / span) * 1000) / 10);
        report();
      },
    });
    state.status = "done";
    state.percent = 100;
    state.note = state.fetched === 0 ? `No new candles: stored data is already up to date or the exchange has none in this range.` : null;
  } catch (e) {
    if (opts.signal?.aborted) {
      state.status = "cancelled";
      state.error = "Cancelled. The candles received so far are kept; start the download again to resume.";
    } else {
      state.status = "failed";
      state.error = describeError(e, req);
    }
  }
  report();
  return state;
}

function describeError(e: unknown, req: DownloadRequest): string {
  if (e instanceof DownloadError) return e.message;
  const detail = redact(e instanceof Error ? e.message : String(e)).slice(0, 300);
  const kind = classifyError(e);
  if (kind === "network" || kind === "timeout" || kind === "unavailable" || kind === "rate-limited") {
    return `Could not reach ${req.exchange} (${detail}). Check the connection and start the download again; it resumes where it stopped.`;
  }
  if (kind === "rejected") return `${req.exchange} refused the request: ${detail}`;
  return `The download stopped: ${detail}`;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
