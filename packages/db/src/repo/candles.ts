import { TIMEFRAME_MS, type Candles, type Market } from "@keyflow/core";
import { and, asc, eq } from "drizzle-orm";
import { chunkSpan, chunkStartOf, decodeChunk, encodeChunk, mergeCandles } from "../candleCodec";
import { candleCounter, candleReader, type ReadRange } from "../candleReader";
import { candleChunks, candleSeries, type CandleSeriesRow, type CandleSource } from "../schema";
import type { RepoContext } from "./context";

export type CandleSeries = CandleSeriesRow;

export interface InsertResult {
  /** Candles whose time was not stored before. */
  added: number;
  /** Candles that replaced a stored candle with the same time. */
  replaced: number;
}

export type { ReadRange };

export function candleRepo(ctx: RepoContext) {
  const { db, sqlite, now } = ctx;
  const readChunks = candleReader(sqlite);
  const count = candleCounter(sqlite);
  const selectStats = sqlite.prepare(
    "SELECT COALESCE(SUM(count), 0) AS count, MIN(first_time) AS firstTime, MAX(last_time) AS lastTime FROM candle_chunks WHERE series_id = ?",
  );

  function list(): CandleSeries[] {
    return db.select().from(candleSeries).orderBy(asc(candleSeries.exchange), asc(candleSeries.symbol), asc(candleSeries.timeframe)).all();
  }

  function get(id: number): CandleSeries | undefined {
    return db.select().from(candleSeries).where(eq(candleSeries.id, id)).get();
  }

  function find(market: Market): CandleSeries | undefined {
    return db
      .select()
      .from(candleSeries)
      .where(and(eq(candleSeries.exchange, market.exchange), eq(candleSeries.symbol, market.symbol), eq(candleSeries.timeframe, market.timeframe)))
      .get();
  }

  function ensure(market: Market, source: CandleSource): CandleSeries {
    const existing = find(market);
    if (existing) return existing;
    const t = now();
    return db
      .insert(candleSeries)
      .values({ exchange: market.exchange, symbol: market.symbol, timeframe: market.timeframe, source, createdAt: t, updatedAt: t })
      .returning()
      .get();
  }

  /**
   * Stores candles (strictly ascending in time) into a series, merging with what is there: a time
   * already stored is replaced, never duplicated. All or nothing (one transaction).
   */
  const insert = sqlite.transaction((seriesId: number, candles: Candles): InsertResult => {
    const series = get(seriesId);
    if (!series) throw new Error(`No candle series with id ${seriesId}`);
    for (let i = 1; i < candles.length; i++) {
      if (!(candles.time[i]! > candles.time[i - 1]!)) throw new Error(`Candles to insert must be strictly ascending in time (index ${i})`);
    }
    const span = chunkSpan(TIMEFRAME_MS[series.timeframe]);
    let added = 0;
    let total = 0;
    for (let from = 0; from < candles.length; ) {
      const start = chunkStartOf(candles.time[from]!, span);
      let to = from + 1;
      while (to < candles.length && candles.time[to]! < start + span) to++;
      total += to - from;
      const stored = db
        .select({ count: candleChunks.count, data: candleChunks.data })
        .from(candleChunks)
        .where(and(eq(candleChunks.seriesId, seriesId), eq(candleChunks.chunkStart, start)))
        .get();
      let chunk: Candles;
      let first = from;
      let last = to;
      if (stored) {
        const merged = mergeCandles(decodeChunk(stored.data, stored.count), candles, from, to);
        added += merged.added;
        chunk = merged.merged;
        first = 0;
        last = chunk.length;
      } else {
        added += to - from;
        chunk = candles;
      }
      const row = {
        seriesId,
        chunkStart: start,
        count: last - first,
        firstTime: chunk.time[first]!,
        lastTime: chunk.time[last - 1]!,
        data: encodeChunk(chunk, first, last),
      };
      db.insert(candleChunks)
        .values(row)
        .onConflictDoUpdate({ target: [candleChunks.seriesId, candleChunks.chunkStart], set: { count: row.count, firstTime: row.firstTime, lastTime: row.lastTime, data: row.data } })
        .run();
      from = to;
    }
    refreshStats(seriesId);
    return { added, replaced: total - added };
  });

  function refreshStats(seriesId: number): void {
    const s = selectStats.get(seriesId) as { count: number; firstTime: number | null; lastTime: number | null };
    db.update(candleSeries).set({ count: s.count, firstTime: s.firstTime, lastTime: s.lastTime, updatedAt: now() }).where(eq(candleSeries.id, seriesId)).run();
  }

  /** Creates the series if needed and stores the candles, in one transaction. */
  const importCandles = sqlite.transaction((market: Market, source: CandleSource, candles: Candles) => {
    const series = ensure(market, source);
    const result = insert(series.id, candles);
    return { series: get(series.id)!, ...result };
  });

  /** The series' candles in [from, to), columnar, all six columns in one ArrayBuffer. */
  function read(seriesId: number, range: ReadRange = {}): Candles {
    return readChunks(seriesId, range);
  }

  function lastTime(seriesId: number): number | null {
    return get(seriesId)?.lastTime ?? null;
  }

  const selectSizes = sqlite.prepare("SELECT series_id AS id, SUM(length(data)) AS bytes FROM candle_chunks GROUP BY series_id");
  /** Bytes of candle data per series id (the stored chunks). */
  function sizes(): Map<number, number> {
    return new Map((selectSizes.all() as { id: number; bytes: number }[]).map((r) => [r.id, r.bytes]));
  }

  function remove(seriesId: number): boolean {
    return db.delete(candleSeries).where(eq(candleSeries.id, seriesId)).run().changes > 0;
  }

  return { list, get, find, ensure, insert, importCandles, read, count, lastTime, sizes, remove };
}

export type CandleRepo = ReturnType<typeof candleRepo>;
