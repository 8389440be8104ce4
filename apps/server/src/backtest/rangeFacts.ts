import { findGaps, TIMEFRAME_MS, type Candles, type DataFingerprint, type GapReport, type Market, type Timeframe } from "@keyflow/core";
import type { Services } from "../trpc";
import { candlesVersion } from "../jobs/workerProtocol";
import { candleFingerprint } from "../results/fingerprint";

/** Gaps named in a run's warning; the Data page lists them all. */
export const MAX_GAPS_SHOWN = 5;

type Db = Services["db"];

/** A series' candles whose open time lies in [from, to], both ends included. */
export function readInclusive(db: Db, seriesId: number, from: number, to: number): Candles {
  return db.candles.read(seriesId, { from, to: to + 1 });
}

/** What a run pins about its candles: how many, the first and last used, the holes, the content hash. */
export interface RangeFacts {
  bars: number;
  first: number;
  last: number;
  gaps: GapReport;
  data: DataFingerprint;
}

type Series = { id: number; updatedAt: number; count: number; lastTime: number | null };

const CACHE_SIZE = 64;
const cache = new WeakMap<Db, Map<string, RangeFacts>>();

/**
 * The facts of the candles in [from, to] (inclusive), or null when there are none. The backtest
 * itself reads its candles in a worker; this thread reads them once per series version and range
 * (hashing a year of 1m takes ~25 ms), so repeated runs and sweeps over one range do not pay again.
 */
export function rangeFacts(db: Db, market: Market, series: Series, from: number, to: number): RangeFacts | null {
  let byRange = cache.get(db);
  if (!byRange) cache.set(db, (byRange = new Map()));
  const key = `${series.id}|${candlesVersion(series)}|${from}|${to}`;
  const hit = byRange.get(key);
  if (hit) {
    byRange.delete(key);
    byRange.set(key, hit);
    return hit;
  }
  const candles = readInclusive(db, series.id, from, to);
  if (candles.length === 0) return null;
  const first = candles.time[0]!;
  const last = candles.time[candles.length - 1]!;
  const facts: RangeFacts = {
    bars: candles.length,
    first,
    last,
    gaps: findGaps(candles.time, TIMEFRAME_MS[market.timeframe], { max: MAX_GAPS_SHOWN }),
    data: candleFingerprint(market, { from: first, to: last }, candles),
  };
  byRange.set(key, facts);
  if (byRange.size > CACHE_SIZE) byRange.delete(byRange.keys().next().value!);
  return facts;
}

/** The holes in a finished run's candles (shown as a warning in its results). */
export function runGaps(db: Db, run: { exchange: string; symbol: string; timeframe: Timeframe; fromTime: number; toTime: number }): GapReport {
  const market = { exchange: run.exchange, symbol: run.symbol, timeframe: run.timeframe };
  const series = db.candles.find(market);
  if (!series) return { gaps: [], count: 0, missing: 0 };
  return rangeFacts(db, market, series, run.fromTime, run.toTime)?.gaps ?? { gaps: [], count: 0, missing: 0 };
}
