import { blob, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { MarketOutcome, Metrics, PortfolioRules, Settings, Timeframe } from "@keyflow/core";
import type { ChartLine } from "../chart";
import { BACKTEST_STATUSES } from "./backtests";
import { flowColumn } from "./flowColumn";
import { strategies } from "./strategies";

/** Which candles a portfolio run reads of one market (known when it is queued). */
export interface PortfolioMarketData {
  symbol: string;
  /** Open time of the first and last candle read, how many, SHA-256 of their columns (candleFingerprint). */
  first: number;
  last: number;
  count: number;
  dataHash: string;
}

/** What a portfolio run reports about each market: its trades and counts, and the candles it read. */
export type PortfolioMarketRow = MarketOutcome & { first: number | null; last: number | null; dataHash: string | null };

/**
 * A market's outcome as stored: its trades live in the run's `results` blob (all markets' trades in
 * market order), so the row keeps how many are its own. Rows made before the blob (legacy) hold the
 * trades themselves.
 */
export type StoredPortfolioMarket = Omit<PortfolioMarketRow, "trades"> & ({ tradeCount: number } | { trades: MarketOutcome["trades"] });

/**
 * One flow backtested over several markets as one portfolio on shared cash (core's portfolioBacktest),
 * run in a backtest worker like a single-market run: what was run and, once done, its results.
 */
export const portfolioRuns = sqliteTable(
  "portfolio_runs",
  {
    id: text("id").primaryKey(),
    strategyId: text("strategy_id").references(() => strategies.id, { onDelete: "cascade" }),
    strategyVersion: integer("strategy_version"),
    flow: flowColumn("flow").notNull(),
    specHash: text("spec_hash").notNull(),
    exchange: text("exchange").notNull(),
    timeframe: text("timeframe").$type<Timeframe>().notNull(),
    /** Requested range, unix ms, both ends inclusive. */
    fromTime: integer("from_time").notNull(),
    toTime: integer("to_time").notNull(),
    settings: text("settings", { mode: "json" }).$type<Settings>().notNull(),
    rules: text("rules", { mode: "json" }).$type<Required<PortfolioRules>>().notNull(),
    /** Candles of all markets while it runs; merged bars once done. */
    bars: integer("bars").notNull(),
    /** The candles each market is read from (null on runs stored before runs were queued: see `markets`). */
    data: text("data", { mode: "json" }).$type<PortfolioMarketData[]>(),
    status: text("status", { enum: BACKTEST_STATUSES }).notNull().default("done"),
    error: text("error"),
    metrics: text("metrics", { mode: "json" }).$type<Metrics>(),
    markets: text("markets", { mode: "json" }).$type<StoredPortfolioMarket[]>(),
    /** Every market's trades and the equity chart, columnar (resultCodec); null on legacy rows and until done. */
    results: blob("results", { mode: "buffer" }),
    /** Legacy rows: the portfolio's equity, min/max-downsampled, as JSON. */
    legacyEquity: text("equity", { mode: "json" }).$type<ChartLine>(),
    engineVersion: text("engine_version").notNull(),
    fillRules: text("fill_rules"),
    durationMs: integer("duration_ms"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
    /** A name the person gave the run (null: labelled by what it ran). */
    name: text("name"),
    /** Pinned runs are never removed by the retention of old runs. */
    pinned: integer("pinned", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("portfolio_runs_strategy").on(t.strategyId, t.createdAt)],
);
export type PortfolioRunRow = typeof portfolioRuns.$inferSelect;
