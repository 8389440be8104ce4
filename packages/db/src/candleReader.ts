import type { Candles } from "@keyflow/core";
import BetterSqlite3 from "better-sqlite3";
import { allocPackedCandles, decodeChunkInto } from "./candleCodec";
import { readF64Into } from "./columnBytes";

export interface ReadRange {
  /** Inclusive, unix ms. */
  from?: number;
  /** Exclusive, unix ms. */
  to?: number;
}

export type ReadCandles = (seriesId: number, range?: ReadRange) => Candles;

/** Reads a series' candles in [from, to) from its chunks: columnar, all six columns in one ArrayBuffer. */
export function candleReader(sqlite: BetterSqlite3.Database): ReadCandles {
  const selectChunks = sqlite
    .prepare("SELECT count, data FROM candle_chunks WHERE series_id = ? AND chunk_start <= ? AND last_time >= ? ORDER BY chunk_start")
    .raw(true);
  return (seriesId, range = {}) => {
    const from = range.from ?? -8.64e15;
    const to = range.to ?? 8.64e15;
    const rows = selectChunks.all(seriesId, to, from) as [number, Buffer][];
    let total = 0;
    for (const [count] of rows) total += count;
    const all = allocPackedCandles(total);
    let at = 0;
    for (const [count, data] of rows) {
      decodeChunkInto(data, count, all, at);
      at += count;
    }
    // Trim the partial first and last chunks.
    let lo = 0;
    while (lo < total && all.time[lo]! < from) lo++;
    let hi = total;
    while (hi > lo && all.time[hi - 1]! >= to) hi--;
    if (lo === 0 && hi === total) return all;
    const out = allocPackedCandles(hi - lo);
    for (const f of ["time", "open", "high", "low", "close", "volume"] as const) out[f].set(all[f].subarray(lo, hi));
    return out;
  };
}

/**
 * How many candles of a series lie in [from, to), from the chunks' counts; only a chunk the range
 * cuts has its time column (the first of its six) read.
 */
export function candleCounter(sqlite: BetterSqlite3.Database): (seriesId: number, range?: ReadRange) => number {
  const selectChunks = sqlite
    .prepare("SELECT chunk_start, count, first_time, last_time FROM candle_chunks WHERE series_id = ? AND chunk_start <= ? AND last_time >= ?")
    .raw(true);
  const selectTimes = sqlite.prepare("SELECT substr(data, 1, count * 8) FROM candle_chunks WHERE series_id = ? AND chunk_start = ?").pluck();
  return (seriesId, range = {}) => {
    const from = range.from ?? -8.64e15;
    const to = range.to ?? 8.64e15;
    let n = 0;
    for (const [start, count, first, last] of selectChunks.all(seriesId, to, from) as [number, number, number, number][]) {
      if (first >= from && last < to) {
        n += count;
        continue;
      }
      const time = new Float64Array(count);
      readF64Into(selectTimes.get(seriesId, start) as Buffer, 0, count, time);
      for (const t of time) if (t >= from && t < to) n++;
    }
    return n;
  };
}

/**
 * A read-only connection of its own to the database file, for a worker thread: WAL lets it read
 * while the server's connection writes.
 */
export function openCandleReader(path: string): { read: ReadCandles; close(): void } {
  const sqlite = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  sqlite.pragma("busy_timeout = 5000");
  return { read: candleReader(sqlite), close: () => sqlite.close() };
}
