import type { KeyPermissions } from "@keyflow/core";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** What the permission probe found (schema in @keyflow/core); "unknown" when the exchange cannot say. */
export type { KeyPermissions };

/** ok: usable; refused: the exchange answered but Keyflow's policy refuses the key; failed: the check itself failed. */
export const KEY_PROBE_STATUSES = ["ok", "refused", "failed"] as const;
export type KeyProbeStatus = (typeof KEY_PROBE_STATUSES)[number];

/**
 * An exchange API key. Every credential is stored only sealed by the vault (AES-256-GCM; each
 * sealed value carries its own nonce, ciphertext and tag) with `<row id>/<field>` as additional
 * data, so a sealed value copied to another row or field does not open. Nothing here is secret
 * except the sealed columns, and those are useless without the master key.
 */
export const exchangeKeys = sqliteTable("exchange_keys", {
  id: text("id").primaryKey(),
  exchange: text("exchange").notNull(),
  label: text("label").notNull(),
  /** e.g. "AbC1…9xYz": enough to recognise the key, not enough to use it. */
  maskedKey: text("masked_key").notNull(),
  /**
   * A testnet / demo key (ccxt setSandboxMode): every request of the key and of its bots goes to the
   * exchange's test environment. Fixed at creation: a rotation cannot turn it into a real key.
   */
  testnet: integer("testnet", { mode: "boolean" }).notNull().default(false),
  apiKeySealed: text("api_key_sealed").notNull(),
  secretSealed: text("secret_sealed").notNull(),
  passwordSealed: text("password_sealed"),
  uidSealed: text("uid_sealed"),
  /** Bumped on every rotation: runners compare it to pick up new credentials without stopping. */
  credentialsVersion: integer("credentials_version").notNull().default(1),
  permissions: text("permissions", { mode: "json" }).$type<KeyPermissions | null>(),
  warnings: text("warnings", { mode: "json" }).$type<string[]>().notNull(),
  probeStatus: text("probe_status", { enum: KEY_PROBE_STATUSES }).notNull(),
  /** Why the last probe refused or failed; never contains a credential. */
  probeMessage: text("probe_message"),
  /** The key passed the probe and may trade: live bots may use it. */
  liveAllowed: integer("live_allowed", { mode: "boolean" }).notNull(),
  probedAt: integer("probed_at").notNull(),
  /**
   * When the person confirmed that withdrawals are disabled for this key, for exchanges where the
   * probe cannot tell (withdrawal right "unknown"): live bots need it. Cleared by a rotation.
   */
  withdrawOffConfirmedAt: integer("withdraw_off_confirmed_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  rotatedAt: integer("rotated_at"),
  lastUsedAt: integer("last_used_at"),
});

export type ExchangeKeyRow = typeof exchangeKeys.$inferSelect;
