// The paged candle downloader: ccxt fetchOHLCV pages from a cursor to an end, every call through the
// one Retrier (and so the instance's shared limiter). Where the pages go is the caller's business.
import { allocCandles, findGaps, sliceCandles, TIMEFRAME_MS, type Candles, type Gap, type Timeframe } from "@keyflow/core";
import type { Exchange, OHLCV } from "ccxt";
import { Retrier, type RetryEvent } from "./retry";

/** A readable failure that ends the download (bad symbol, timeframe not offered, no candles offered). */
export class DownloadError extends Error {}

export interface PagedDownloadRequest {
  symbol: string;
  timeframe: Timeframe;
  /** Open time of the first candle wanted (rounded up to the timeframe). */
  from: number;
  /** Exclusive end: only candles opening before it are taken. */
  end: number;
  /** Open time of the stored candle just before `from`, so a hole at the join is found too. */
  prev?: number | null;
}

export interface PageReport {
  /** Candles of this page (ascending, deduplicated, inside [from, end)). */
  candles: Candles;
  /** Gaps found in this page and at its join to the previous one. */
  gaps: Gap[];
  missing: number;
  gapCount: number;
}

export interface PagedDownloadOptions {
  retrier?: Retrier;
  signal?: AbortSignal;
  /** Stores a page before the next is asked for; returns how many candles were new. */
  store: (page: PageReport) => void;
  /** A temporary failure being waited out (rate limit, network), for the progress line. */
  onRetry?: (event: RetryEvent) => void;
  /** Page size; default what the exchange advertises (at most 1000). */
  limit?: number;
}

const GAPS_PER_PAGE = 200;

/**
 * Checks the market (loads markets, `has.fetchOHLCV`, the symbol, the timeframe) and pages forward
 * with since/limit until `end` or until the exchange has nothing more. Public data only.
 * Returns the open time of the last candle received (null: none).
 */
export async function downloadPages(ex: Exchange, req: PagedDownloadRequest, opts: PagedDownloadOptions): Promise<number | null> {
  const retrier = opts.retrier ?? new Retrier(opts.onRetry ? { onRetry: opts.onRetry } : {});
  const call = <T>(label: string, fn: () => Promise<T>) => {
    opts.signal?.throwIfAborted();
    return untilAborted(retrier.call(ex, label, fn, { idempotent: true }), opts.signal);
  };
  const name = ex.name ?? ex.id;
  await call("loading markets", () => ex.loadMarkets());
  if (!ex.has["fetchOHLCV"]) throw new DownloadError(`${name} does not offer historical candles through ccxt.`);
  if (!ex.markets?.[req.symbol]) throw new DownloadError(`${name} has no spot market "${req.symbol}". Check the symbol, written like BTC/USDT.`);
  if (ex.timeframes && !(req.timeframe in ex.timeframes)) {
    throw new DownloadError(`${name} does not offer ${req.timeframe} candles; it has ${Object.keys(ex.timeframes).join(", ")}.`);
  }
  const tf = TIMEFRAME_MS[req.timeframe];
  const limit = opts.limit ?? pageLimit(ex);
  let cursor = Math.ceil(req.from / tf) * tf;
  let prev = req.prev ?? null;
  const fetchPage = (since: number) => {
    const p = call("fetching candles", () => ex.fetchOHLCV(req.symbol, req.timeframe, since, limit));
    p.catch(() => undefined); // awaited below; a failure while the page before is stored is not "unhandled"
    return p;
  };
  let pending: Promise<OHLCV[]> | null = cursor < req.end ? fetchPage(cursor) : null;
  while (pending) {
    const rows = await pending;
    pending = null;
    opts.signal?.throwIfAborted();
    const page = toCandles(rows, cursor, req.end);
    if (page.length === 0) break;
    const last = page.time[page.length - 1]!;
    const next = last + tf;
    // The next page is asked for while this one is stored: the exchange's latency and SQLite overlap.
    if (next > cursor && next < req.end) pending = fetchPage(next);
    const gaps = findGaps(page.time, tf, { prev, max: GAPS_PER_PAGE });
    opts.store({ candles: page, gaps: gaps.gaps, missing: gaps.missing, gapCount: gaps.count });
    prev = last;
    cursor = next;
  }
  return prev;
}

/** A cancel (or a server stopping) does not wait for a request the exchange never answers. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** ccxt rows → ascending columns inside [from, end), the boundary candle some exchanges repeat dropped once. */
function toCandles(rows: OHLCV[], from: number, end: number): Candles {
  const page = rows.filter((r) => typeof r[0] === "number" && r[0] >= from && r[0] < end).sort((a, b) => a[0]! - b[0]!);
  const c = allocCandles(page.length);
  let n = 0;
  for (const r of page) {
    const t = r[0]!;
    if (n > 0 && t === c.time[n - 1]) continue;
    c.time[n] = t;
    c.open[n] = r[1] ?? NaN;
    c.high[n] = r[2] ?? NaN;
    c.low[n] = r[3] ?? NaN;
    c.close[n] = r[4] ?? NaN;
    c.volume[n] = r[5] ?? 0;
    n++;
  }
  return n === c.length ? c : sliceCandles(c, 0, n);
}

function pageLimit(ex: Exchange): number {
  const features = (ex as unknown as { features?: { spot?: { fetchOHLCV?: { limit?: number } } } }).features;
  const limit = features?.spot?.fetchOHLCV?.limit;
  return typeof limit === "number" && limit > 0 ? Math.min(limit, 1000) : 500;
}
