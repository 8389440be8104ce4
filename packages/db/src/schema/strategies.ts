import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { flowColumn } from "./flowColumn";


/** A saved strategy; its flow lives in versions, the newest being `latestVersion`. */
export const strategies = sqliteTable("strategies", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  latestVersion: integer("latest_version").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Every saved FlowGraph of a strategy, numbered 1, 2, 3… Never modified once written. */
export const strategyVersions = sqliteTable(
  "strategy_versions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    strategyId: text("strategy_id")
      .notNull()
      .references(() => strategies.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    flow: flowColumn("flow").notNull(),
    /** Hash of the compiled spec when the flow compiled, else null. */
    specHash: text("spec_hash"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("strategy_versions_strategy_version").on(t.strategyId, t.version)],
);

export type StrategyRow = typeof strategies.$inferSelect;
export type StrategyVersionRow = typeof strategyVersions.$inferSelect;
