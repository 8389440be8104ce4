import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const ALERT_KINDS = ["webhook", "telegram"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * Where alerts go. The whole configuration (webhook URL and HMAC key, or Telegram bot token and
 * chat id) is sealed by the vault like an exchange secret; `target` is only a hint to recognise it.
 */
export const alertChannels = sqliteTable("alert_channels", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ALERT_KINDS }).notNull(),
  label: text("label").notNull(),
  /** "https://hooks.example.com/…" or "chat …1234": never the secret part. */
  target: text("target").notNull(),
  configSealed: text("config_sealed").notNull(),
  createdAt: integer("created_at").notNull(),
  lastSentAt: integer("last_sent_at"),
  /** Why the last delivery failed (redacted), null after a success. */
  lastError: text("last_error"),
  /** Start (UTC ms) of the last day whose daily summary this channel was sent; null: none yet. */
  summaryDay: integer("summary_day"),
});

export type AlertChannel = typeof alertChannels.$inferSelect;
