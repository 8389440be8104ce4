import { sliceCandles, TIMEFRAME_MS, type Timeframe } from "@keyflow/core";
import type { CandleSeries, KeyflowDb } from "@keyflow/db";
import { UserError } from "../errors";
import { resampleCandles } from "./resample";

/** Higher timeframes a stored series can be turned into without downloading again. */
export const DERIVED_TIMEFRAMES: readonly Timeframe[] = ["5m", "15m", "1h", "4h", "1d"];

/**
 * Builds a higher timeframe from a stored lower one (1m → 5m, 15m, 1h, 4h, 1d) and stores it as a
 * series of its own, marked derived. Only whole buckets are kept: a bucket the source does not cover
 * to its end (the newest, still filling) would be a candle the exchange never had.
 */
export function deriveSeries(db: KeyflowDb, source: CandleSeries, timeframe: Timeframe): CandleSeries {
  const from = TIMEFRAME_MS[source.timeframe];
  const to = TIMEFRAME_MS[timeframe];
  if (!(to > from) || to % from !== 0) {
    throw new UserError("BAD_REQUEST", `${timeframe} cannot be made from ${source.timeframe} candles: pick a longer timeframe that is a whole multiple of ${source.timeframe}.`, {
      kind: "input",
      issues: [{ path: "timeframe", message: "not a multiple" }],
    });
  }
  const market = { exchange: source.exchange, symbol: source.symbol, timeframe };
  const existing = db.candles.find(market);
  if (existing && existing.source !== "derived") {
    throw new UserError("BAD_REQUEST", `${source.symbol} ${timeframe} is already stored from ${existing.source === "csv" ? "a CSV file" : "the exchange"}; delete it first to derive it from ${source.timeframe}.`, {
      kind: "input",
      issues: [{ path: "timeframe", message: "exists" }],
    });
  }
  const candles = db.candles.read(source.id);
  const lastWhole = source.lastTime === null ? -Infinity : Math.floor((source.lastTime + from) / to) * to;
  let n = candles.length;
  while (n > 0 && candles.time[n - 1]! >= lastWhole) n--;
  const resampled = resampleCandles(sliceCandles(candles, 0, n), to);
  return db.candles.importCandles(market, "derived", resampled).series;
}
