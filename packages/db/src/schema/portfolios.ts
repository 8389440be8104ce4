import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { MarketOutcome, Metrics, PortfolioRules, Settings, Timeframe } from "@keyflow/core";
import type { ChartLine } from "../chart";
import { flowColumn } from "./flowColumn";
import { strategies } from "./strategies";

/** What a portfolio run stores about each market: its trades and counts, and the candles it read. */
export type PortfolioMarketRow = MarketOutcome & { first: number | null; last: number | null; dataHash: string | null };

/**
 * One flow backtested over several markets as one portfolio on shared cash (core's portfolioBacktest):
 * what was run and its results. Computed in one go, so a row is always finished.
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
    bars: integer("bars").notNull(),
    metrics: text("metrics", { mode: "json" }).$type<Metrics>().notNull(),
    markets: text("markets", { mode: "json" }).$type<PortfolioMarketRow[]>().notNull(),
    /** The portfolio's equity, min/max-downsampled. */
    equity: text("equity", { mode: "json" }).$type<ChartLine>().notNull(),
    engineVersion: text("engine_version").notNull(),
    durationMs: integer("duration_ms").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("portfolio_runs_strategy").on(t.strategyId, t.createdAt)],
);
export type PortfolioRunRow = typeof portfolioRuns.$inferSelect;
