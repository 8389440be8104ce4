import { createHash } from "node:crypto";

/** Binance's rule for newClientOrderId; the ids we make satisfy it, and most exchanges' looser rules. */
export const BINANCE_CLIENT_ORDER_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export const CLIENT_ORDER_ID_PREFIX = "kf-";

/**
 * A deterministic client order id for the order a bot decides at one bar with one intent
 * (e.g. "entry", "exit", "amend-2"). Same inputs, same id, so a retry or a restart re-derives the id
 * of an order that may already exist and looks it up instead of placing a second one.
 *
 * Shape: `kf-<barTime base36>-<22 hex of sha256(botId, barTime, intent)>` — 34 characters until the
 * year 2059, 35 after; the bar stays readable in the exchange's UI.
 */
export function clientOrderId(botId: string, barTime: number, intent: string): string {
  if (botId.length === 0) throw new Error("clientOrderId: botId must not be empty");
  if (intent.length === 0) throw new Error("clientOrderId: intent must not be empty");
  if (!Number.isSafeInteger(barTime) || barTime < 0) {
    throw new Error(`clientOrderId: barTime must be a non-negative integer of unix ms, got ${barTime}`);
  }
  const digest = createHash("sha256").update(JSON.stringify([botId, barTime, intent])).digest("hex");
  return `${CLIENT_ORDER_ID_PREFIX}${barTime.toString(36)}-${digest.slice(0, 22)}`;
}
