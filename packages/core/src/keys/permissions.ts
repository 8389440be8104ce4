// What an exchange API key may do, as Keyflow's key probe established it. One schema for the probe
// (packages/exchange), the stored key (packages/db) and every view of it.
import { z } from "zod";

/** true / false when established; "unknown" when neither the exchange nor a harmless call could say. */
export const keyRightSchema = z.union([z.boolean(), z.literal("unknown")]);

/**
 * How a right was established. reported: the exchange's own key-permission endpoint said so.
 * inferred: a harmless signed call succeeded (or the exchange grants it to every key).
 * unknown: nothing Keyflow can call tells.
 */
export const rightSourceSchema = z.enum(["reported", "inferred", "unknown"]);

export const KEY_RIGHTS = ["canRead", "canTrade", "canWithdraw", "ipRestricted"] as const;

export const rightSourcesSchema = z.object({
  canRead: rightSourceSchema,
  canTrade: rightSourceSchema,
  canWithdraw: rightSourceSchema,
  ipRestricted: rightSourceSchema,
});

/** One probe's answer. `warnings` are the probe's own notes (what this exchange cannot tell). */
export const probeResultSchema = z.object({
  canRead: keyRightSchema,
  canTrade: keyRightSchema,
  canWithdraw: keyRightSchema,
  ipRestricted: keyRightSchema,
  /** Which call established the rights, e.g. "okx-account-config". */
  method: z.string(),
  sources: rightSourcesSchema,
  warnings: z.array(z.string()),
});

/** As stored with a key: keys checked before sources and notes were recorded lack them. */
export const keyPermissionsSchema = probeResultSchema.partial({ sources: true, warnings: true });

export type KeyRight = z.infer<typeof keyRightSchema>;
export type RightSource = z.infer<typeof rightSourceSchema>;
export type RightSources = z.infer<typeof rightSourcesSchema>;
export type ProbeResult = z.infer<typeof probeResultSchema>;
export type KeyPermissions = z.infer<typeof keyPermissionsSchema>;
