import { allocCandles, TIMEFRAME_MS, type Market } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { redact } from "@keyflow/exchange";
import type { Exchange, OHLCV } from "ccxt";
import { loadCcxt } from "./exchangeFactory";

export interface DownloadRequest extends Market {
  /** Unix ms of the first candle wanted. */
  since: number;
  /** Unix ms, exclusive; default now (only closed candles are stored). */
  until?: number;
}

/** Candles the exchange did not have between two it did (exchange outages, no trades). */
export interface Gap {
  /** Open time of the last candle before the gap. */
  after: number;
  /** Open time of the first candle after it. */
  before: number;
  missing: number;
}

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
  gaps: Gap[];
  seriesId: number | null;
  /** What is happening now, e.g. waiting out a rate limit. */
  note: string | null;
  error: string | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (state: DownloadState) => void;
  now?: () => number;
  /** Retries of one page on network errors and rate limits before giving up. */
  maxRetries?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const MAX_GAPS_REPORTED = 200;

/** A readable failure that ends the download (bad symbol, timeframe not offered, exchange refusing). */
export class DownloadError extends Error {}

/**
 * Downloads candles with ccxt `fetchOHLCV`, paging forward with since/limit, and stores each page
 * as it arrives (merging, so a retry or a re-run never duplicates). Resumes after the last stored
 * candle when the stored history already reaches back to `since`. Rate limits are respected
 * (ccxt's limiter, plus Retry-After on 429s); gaps in the exchange's data are reported.
 * Public data only: the exchange has no credentials and nothing is signed.
 */
export async function downloadCandles(db: KeyflowDb, ex: Exchange, req: DownloadRequest, opts: DownloadOptions = {}): Promise<DownloadState> {
  const ccxt = await loadCcxt();
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const maxRetries = opts.maxRetries ?? 6;
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
    seriesId: null,
    note: null,
    error: null,
  };
  const report = () => opts.onProgress?.({ ...state, gaps: [...state.gaps] });

  /** One exchange call, retried on temporary errors. */
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      opts.signal?.throwIfAborted();
      try {
        const result = await fn();
        if (state.note) (state.note = null), report();
        return result;
      } catch (e) {
        if (!(e instanceof ccxt.NetworkError) || attempt >= maxRetries) throw e;
        const rateLimited = e instanceof ccxt.DDoSProtection;
        const retryAfter = rateLimited ? retryAfterMs(ex) : undefined;
        const wait = retryAfter ?? Math.min(60_000, 1000 * 2 ** attempt);
        state.note = `${rateLimited ? "Rate limited by the exchange" : `Network problem (${e.constructor.name})`} while ${what}; retrying in ${Math.ceil(wait / 1000)} s.`;
        report();
        await sleep(wait, opts.signal);
      }
    }
  };

  try {
    await call("loading markets", () => ex.loadMarkets());
    if (!ex.has["fetchOHLCV"]) throw new DownloadError(`${ex.name ?? req.exchange} does not offer historical candles through ccxt.`);
    if (!ex.markets?.[req.symbol]) throw new DownloadError(`${ex.name ?? req.exchange} has no spot market "${req.symbol}". Check the symbol, written like BTC/USDT.`);
    if (ex.timeframes && !(req.timeframe in ex.timeframes)) {
      throw new DownloadError(`${ex.name ?? req.exchange} does not offer ${req.timeframe} candles; it has ${Object.keys(ex.timeframes).join(", ")}.`);
    }

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
    const limit = pageLimit(ex);
    report();

    while (cursor < end) {
      opts.signal?.throwIfAborted();
      const rows: OHLCV[] = await call("fetching candles", () => ex.fetchOHLCV(req.symbol, req.timeframe, cursor, limit));
      state.pages++;
      const page = rows.filter((r) => typeof r[0] === "number" && r[0] >= cursor && r[0] < end).sort((a, b) => a[0]! - b[0]!);
      if (page.length === 0) break;
      const c = allocCandles(page.length);
      let n = 0;
      for (const r of page) {
        const t = r[0]!;
        if (n > 0 && t === c.time[n - 1]) continue; // some exchanges repeat the boundary candle
        if (prev !== null && t - prev > tf && state.gaps.length < MAX_GAPS_REPORTED) state.gaps.push({ after: prev, before: t, missing: Math.round((t - prev) / tf) - 1 });
        c.time[n] = t;
        c.open[n] = r[1] ?? NaN;
        c.high[n] = r[2] ?? NaN;
        c.low[n] = r[3] ?? NaN;
        c.close[n] = r[4] ?? NaN;
        c.volume[n] = r[5] ?? 0;
        prev = t;
        n++;
      }
      const candles = n === c.length ? c : { ...c, length: n, time: c.time.subarray(0, n), open: c.open.subarray(0, n), high: c.high.subarray(0, n), low: c.low.subarray(0, n), close: c.close.subarray(0, n), volume: c.volume.subarray(0, n) };
      const stored = db.candles.insert(series.id, candles);
      state.fetched += n;
      state.added += stored.added;
      state.lastTime = prev;
      state.percent = Math.min(100, Math.round(((prev! + tf - state.from) / span) * 1000) / 10);
      report();
      const next = prev! + tf;
      if (next <= cursor) break;
      cursor = next;
    }
    state.status = "done";
    state.percent = 100;
    state.note = state.fetched === 0 ? `No new candles: stored data is already up to date or the exchange has none in this range.` : null;
  } catch (e) {
    if (opts.signal?.aborted) {
      state.status = "cancelled";
      state.error = "Cancelled. The candles received so far are kept; start the download again to resume.";
    } else {
      state.status = "failed";
      state.error = describeError(ccxt, e, req);
    }
  }
  report();
  return state;
}

function pageLimit(ex: Exchange): number {
  const features = (ex as unknown as { features?: { spot?: { fetchOHLCV?: { limit?: number } } } }).features;
  const limit = features?.spot?.fetchOHLCV?.limit;
  return typeof limit === "number" && limit > 0 ? Math.min(limit, 1000) : 500;
}

function retryAfterMs(ex: Exchange): number | undefined {
  const headers = (ex as unknown as { last_response_headers?: Record<string, string> }).last_response_headers;
  const v = headers?.["Retry-After"] ?? headers?.["retry-after"];
  if (v === undefined) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describeError(ccxt: typeof import("ccxt"), e: unknown, req: DownloadRequest): string {
  if (e instanceof DownloadError) return e.message;
  const detail = redact(e instanceof Error ? e.message : String(e)).slice(0, 300);
  if (e instanceof ccxt.BadSymbol) return `${req.exchange} does not know the symbol ${req.symbol}: ${detail}`;
  if (e instanceof ccxt.NetworkError) return `Could not reach ${req.exchange} (${detail}). Check the internet connection and start the download again; it resumes where it stopped.`;
  if (e instanceof ccxt.ExchangeError) return `${req.exchange} refused the request: ${detail}`;
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
