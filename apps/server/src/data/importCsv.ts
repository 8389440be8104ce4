import { findGaps, parseCandlesCsv, TIMEFRAME_MS, type Candles, type GapReport, type Market } from "@keyflow/core";
import type { CsvError } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";

export type CsvImportResult =
  | { ok: true; seriesId: number; added: number; replaced: number; count: number; firstTime: number | null; lastTime: number | null; gaps: GapReport }
  | { ok: false; errors: CsvError[] };

/** Parses a candle CSV and stores it in one transaction; nothing is written when any line is bad. */
export function importCsv(db: KeyflowDb, market: Market, text: string): CsvImportResult {
  const parsed = parseCandlesCsv(text);
  if (!parsed.ok) return parsed;
  const spacing = checkSpacing(parsed.candles, market);
  if (spacing) return { ok: false, errors: [spacing] };
  const r = db.candles.importCandles(market, "csv", parsed.candles);
  const gaps = findGaps(parsed.candles.time, TIMEFRAME_MS[market.timeframe], { max: 20 });
  return { ok: true, seriesId: r.series.id, added: r.added, replaced: r.replaced, count: r.series.count, firstTime: r.series.firstTime, lastTime: r.series.lastTime, gaps };
}

/** Rows closer together than the timeframe mean the wrong timeframe was picked (e.g. 1m data as 1h). */
function checkSpacing(c: Candles, market: Market): CsvError | undefined {
  const tf = TIMEFRAME_MS[market.timeframe];
  for (let i = 1; i < c.length; i++) {
    const gap = c.time[i]! - c.time[i - 1]!;
    if (gap < tf) {
      const minutes = gap / 60_000;
      return {
        line: i + 2,
        message: `This candle is only ${minutes >= 1 ? `${minutes} minute(s)` : `${gap / 1000} second(s)`} after the previous one, but the timeframe is ${market.timeframe}. Choose the timeframe the file was made with.`,
      };
    }
  }
  return undefined;
}
