import { findGaps, TIMEFRAME_MS, type GapReport } from "@keyflow/core";
import type { CandleSeries, KeyflowDb } from "@keyflow/db";

/** Gaps shown per series on the Data page (the first ones; all are counted). */
const GAPS_LISTED = 20;
const cache = new Map<number, { updatedAt: number; report: GapReport }>();

/** The gaps of a stored series, recomputed only when the series changed since the last look. */
export function seriesGaps(db: KeyflowDb, series: CandleSeries): GapReport {
  const hit = cache.get(series.id);
  if (hit && hit.updatedAt === series.updatedAt) return hit.report;
  const report = findGaps(db.candles.read(series.id).time, TIMEFRAME_MS[series.timeframe], { max: GAPS_LISTED });
  cache.set(series.id, { updatedAt: series.updatedAt, report });
  return report;
}
