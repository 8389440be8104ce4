import { generateDemoCandles, sliceCandles, lowerBound, TIMEFRAME_MS, type Market } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { resampleCandles } from "./resample";

/** The market that ships with Keyflow so it works offline without a key. Generated, never downloaded. */
export const DEMO_EXCHANGE = "demo";
export const DEMO_SYMBOL = "DEMO/USDT";
// Chosen among the first twenty seeds: a market that rises overall (buy & hold about +290 % over the
// 1h range) through sharp drawdowns and ranges, so the templates show strengths and weaknesses.
const SEED = 17;
/** Fixed, so every install has the same demo candles. */
export const DEMO_END = Date.UTC(2025, 0, 1);
const MINUTE_START = Date.UTC(2024, 0, 1);
const HOUR_START = Date.UTC(2022, 7, 1);

export const DEMO_MARKETS: readonly Market[] = [
  { exchange: DEMO_EXCHANGE, symbol: DEMO_SYMBOL, timeframe: "1m" },
  { exchange: DEMO_EXCHANGE, symbol: DEMO_SYMBOL, timeframe: "1h" },
];

/**
 * Installs the demo market unless it is already there: 1m for 2024 (527,040 candles) and 1h from
 * August 2022 (aggregated from the same minutes, so both timeframes agree). Returns what it did.
 */
export function installDemoMarket(db: KeyflowDb): { installed: boolean; ms: number; candles: number } {
  const started = performance.now();
  const present = DEMO_MARKETS.every((m) => (db.candles.find(m)?.lastTime ?? 0) >= DEMO_END - TIMEFRAME_MS[m.timeframe]);
  if (present) return { installed: false, ms: performance.now() - started, candles: 0 };

  const minutes = generateDemoCandles({ seed: SEED, timeframe: "1m", start: HOUR_START, bars: (DEMO_END - HOUR_START) / 60_000 });
  const hours = resampleCandles(minutes, TIMEFRAME_MS["1h"]);
  const lastYear = sliceCandles(minutes, lowerBound(minutes, MINUTE_START), minutes.length);
  db.transaction(() => {
    db.candles.importCandles(DEMO_MARKETS[0]!, "demo", lastYear);
    db.candles.importCandles(DEMO_MARKETS[1]!, "demo", hours);
  });
  return { installed: true, ms: performance.now() - started, candles: lastYear.length + hours.length };
}
