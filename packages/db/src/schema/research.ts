import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Market, StoredSweep, SweepParam, SweepSettings, WalkForwardResult, WalkForwardSettings } from "@keyflow/core";
import { flowColumn } from "./flowColumn";
import { strategies } from "./strategies";

export const RESEARCH_KINDS = ["sweep", "walkforward"] as const;
export type ResearchKind = (typeof RESEARCH_KINDS)[number];
/** queued: waiting for a free slot (research runs a few at a time). */
export const RESEARCH_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type ResearchStatus = (typeof RESEARCH_STATUSES)[number];

/** A sweep or walk-forward of a flow: what was asked, and once done its results. */
export const researchRuns = sqliteTable(
  "research_runs",
  {
    id: text("id").primaryKey(),
    strategyId: text("strategy_id").references(() => strategies.id, { onDelete: "set null" }),
    strategyVersion: integer("strategy_version"),
    kind: text("kind", { enum: RESEARCH_KINDS }).notNull(),
    flow: flowColumn("flow").notNull(),
    market: text("market", { mode: "json" }).$type<Market>().notNull(),
    /** Candles used, unix ms [from, to): the hold-out is never inside. */
    fromTime: integer("from_time").notNull(),
    toTime: integer("to_time").notNull(),
    bars: integer("bars").notNull(),
    params: text("params", { mode: "json" }).$type<SweepParam[]>().notNull(),
    settings: text("settings", { mode: "json" }).$type<SweepSettings>().notNull(),
    walkForward: text("walk_forward", { mode: "json" }).$type<WalkForwardSettings>(),
    /** The strategy's hold-out start when this ran (null: none reserved). */
    holdoutFrom: integer("holdout_from"),
    status: text("status", { enum: RESEARCH_STATUSES }).notNull(),
    error: text("error"),
    sweep: text("sweep", { mode: "json" }).$type<StoredSweep>(),
    walkForwardResult: text("walk_forward_result", { mode: "json" }).$type<WalkForwardResult>(),
    durationMs: integer("duration_ms"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("research_runs_strategy").on(t.strategyId, t.createdAt)],
);
export type ResearchRunRow = typeof researchRuns.$inferSelect;

/**
 * A strategy's locked hold-out: its most recent candles from `fromTime` on, never given to sweeps or
 * walk-forward. Unlocking runs the chosen params on them once and is recorded here for good.
 */
export const strategyHoldouts = sqliteTable("strategy_holdouts", {
  strategyId: text("strategy_id")
    .primaryKey()
    .references(() => strategies.id, { onDelete: "cascade" }),
  fromTime: integer("from_time").notNull(),
  lockedAt: integer("locked_at").notNull(),
  unlockedAt: integer("unlocked_at"),
  /** What was run on the hold-out when it was unlocked. */
  unlock: text("unlock", { mode: "json" }).$type<{ params: Record<string, number>; strategyVersion: number; bars: number; metrics: StoredSweep["rows"][number]["metrics"] }>(),
});
export type StrategyHoldoutRow = typeof strategyHoldouts.$inferSelect;
