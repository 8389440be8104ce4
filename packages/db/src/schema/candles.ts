import { blob, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Timeframe } from "@keyflow/core";

/** Where a series' candles came from: generated demo data, a CSV file, an exchange download, or derived from a lower timeframe. */
export const CANDLE_SOURCES = ["demo", "csv", "exchange", "derived"] as const;
export type CandleSource = (typeof CANDLE_SOURCES)[number];

/** One market's candles: (exchange, symbol, timeframe) is unique. Stats are kept in step with the chunks. */
export const candleSeries = sqliteTable(
  "candle_series",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    exchange: text("exchange").notNull(),
    symbol: text("symbol").notNull(),
    timeframe: text("timeframe").$type<Timeframe>().notNull(),
    source: text("source", { enum: CANDLE_SOURCES }).notNull(),
    count: integer("count").notNull().default(0),
    firstTime: integer("first_time"),
    lastTime: integer("last_time"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("candle_series_market").on(t.exchange, t.symbol, t.timeframe)],
);

/**
 * Candles stored as column chunks: every chunk covers a fixed, aligned span of time
 * (CHUNK_CANDLES × timeframe) and holds up to that many candles as six little-endian Float64
 * columns (time, open, high, low, close, volume) in one BLOB. Chosen over one row per candle by
 * measurement (packages/db/bench): reading a year of 1m candles is a few dozen memcpys.
 */
export const candleChunks = sqliteTable(
  "candle_chunks",
  {
    seriesId: integer("series_id")
      .notNull()
      .references(() => candleSeries.id, { onDelete: "cascade" }),
    chunkStart: integer("chunk_start").notNull(),
    count: integer("count").notNull(),
    firstTime: integer("first_time").notNull(),
    lastTime: integer("last_time").notNull(),
    data: blob("data", { mode: "buffer" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.chunkStart] })],
);

export type CandleSeriesRow = typeof candleSeries.$inferSelect;
