import { blob, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { flowColumn } from "./flowColumn";
import type { Metrics, OpenPosition, Settings, Timeframe, Trade, Verification } from "@keyflow/core";
import type { BacktestChart } from "../chart";
import { strategies } from "./strategies";

export const BACKTEST_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type BacktestStatus = (typeof BACKTEST_STATUSES)[number];

/** One backtest: what was run (flow, spec hash, market, range, settings) and, once done, its results. */
export const backtestRuns = sqliteTable(
  "backtest_runs",
  {
    id: text("id").primaryKey(),
    strategyId: text("strategy_id").references(() => strategies.id, { onDelete: "set null" }),
    strategyVersion: integer("strategy_version"),
    flow: flowColumn("flow").notNull(),
    specHash: text("spec_hash").notNull(),
    exchange: text("exchange").notNull(),
    symbol: text("symbol").notNull(),
    timeframe: text("timeframe").$type<Timeframe>().notNull(),
    /** Requested range, unix ms, inclusive start and exclusive end. */
    fromTime: integer("from_time").notNull(),
    toTime: integer("to_time").notNull(),
    settings: text("settings", { mode: "json" }).$type<Settings>().notNull(),
    status: text("status", { enum: BACKTEST_STATUSES }).notNull(),
    error: text("error"),
    bars: integer("bars").notNull(),
    metrics: text("metrics", { mode: "json" }).$type<Metrics>(),
    /** Trades and chart of a finished run, columnar (resultCodec). */
    results: blob("results", { mode: "buffer" }),
    /** Runs stored before the columnar results kept trades and chart as JSON; read as they are. */
    legacyTrades: text("trades", { mode: "json" }).$type<Trade[]>(),
    openPosition: text("open_position", { mode: "json" }).$type<OpenPosition | null>(),
    legacyChart: text("chart", { mode: "json" }).$type<BacktestChart>(),
    durationMs: integer("duration_ms"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
    /** A name the person gave the run (null: labelled by what it ran). */
    name: text("name"),
    /** Pinned runs are never removed by the retention of old runs. */
    pinned: integer("pinned", { mode: "boolean" }).notNull().default(false),
    // What produced the result (null on runs stored before runs were pinned).
    /** SHA-256 of the candles the run read (see DataFingerprint.contentHash), their first and last open time. */
    dataHash: text("data_hash"),
    dataFirstTime: integer("data_first_time"),
    dataLastTime: integer("data_last_time"),
    /** ENGINE_VERSION and FILL_RULES of the engine that ran it. */
    engineVersion: text("engine_version"),
    fillRules: text("fill_rules"),
    /** The run this one made again ("Run again"), to say whether the result is identical. */
    rerunOf: text("rerun_of"),
    /** Set on a run made to check an imported result bundle: what the check found. */
    verification: text("verification", { mode: "json" }).$type<Verification>(),
  },
  (t) => [index("backtest_runs_strategy").on(t.strategyId, t.createdAt), index("backtest_runs_created").on(t.createdAt)],
);

export type BacktestRunRow = typeof backtestRuns.$inferSelect;
