import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A rate-limit pause or ban an exchange announced (429/418 Retry-After, "banned until …"), kept so
 * that every process — including one started during the ban — waits it out before its first request.
 * keyId is "public" for unsigned instances.
 */
export const exchangeBans = sqliteTable(
  "exchange_bans",
  {
    exchange: text("exchange").notNull(),
    keyId: text("key_id").notNull(),
    /** Unix ms: no request to this exchange before this time. */
    until: integer("until").notNull(),
    /** What the exchange said, redacted (e.g. "rate-limited: Retry-After 120 s"). */
    reason: text("reason").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.exchange, t.keyId] })],
);

export type ExchangeBan = typeof exchangeBans.$inferSelect;
