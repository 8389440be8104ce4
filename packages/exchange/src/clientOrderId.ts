import { createHash } from "node:crypto";

/** Binance's rule for newClientOrderId; the ids we make satisfy it, and most exchanges' looser rules. */
export const BINANCE_CLIENT_ORDER_ID_RE = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export const CLIENT_ORDER_ID_PREFIX = "kf-";

/** OKX's rule for clOrdId: case-sensitive letters and digits only, at most 32 characters. */
export const OKX_CLIENT_ORDER_ID_RE = /^[A-Za-z0-9]{1,32}$/;
/** Kraken's cl_ord_id as a short UUID: 32 hex digits (its free-text form allows only 18 characters). */
export const KRAKEN_CLIENT_ORDER_ID_RE = /^[0-9a-f]{32}$/;

const okxShape = (t: string, d: string) => `kf${t}${d.slice(0, 30 - t.length)}`;
/** Venues whose rules the default shape (with dashes, 34–35 characters) breaks. */
const SHAPES: Readonly<Record<string, (barTime36: string, digest: string) => string>> = {
  okx: okxShape,
  myokx: okxShape,
  okxus: okxShape,
  kraken: (_t, d) => d.slice(0, 32),
};

/**
 * A deterministic client order id for the order a bot decides at one bar with one intent
 * (e.g. "entry", "exit", "amend-2"). Same inputs, same id, so a retry or a restart re-derives the id
 * of an order that may already exist and looks it up instead of placing a second one.
 *
 * Shape: `kf-<barTime base36>-<22 hex of sha256(botId, barTime, intent)>` — 34 characters until the
 * year 2059, 35 after; the bar stays readable in the exchange's UI. OKX (letters and digits, ≤ 32) and
 * Kraken (a 32-hex short UUID) get shapes of the same digest that their rules accept; every other
 * exchange, Binance included, keeps the default, so journals written before stay valid.
 *
 * `market`: the symbol, for a bot over several markets (one decision per market at a bar). A
 * one-market bot passes none, so its ids, and a restart's lookups of them, are those of before.
 */
export function clientOrderId(botId: string, barTime: number, intent: string, exchangeId?: string, market?: string): string {
  if (botId.length === 0) throw new Error("clientOrderId: botId must not be empty");
  if (intent.length === 0) throw new Error("clientOrderId: intent must not be empty");
  if (!Number.isSafeInteger(barTime) || barTime < 0) {
    throw new Error(`clientOrderId: barTime must be a non-negative integer of unix ms, got ${barTime}`);
  }
  const digest = createHash("sha256")
    .update(JSON.stringify(market === undefined ? [botId, barTime, intent] : [botId, market, barTime, intent]))
    .digest("hex");
  const shape = exchangeId === undefined ? undefined : SHAPES[exchangeId];
  if (shape) return shape(barTime.toString(36), digest);
  return `${CLIENT_ORDER_ID_PREFIX}${barTime.toString(36)}-${digest.slice(0, 22)}`;
}

/**
 * The params that make ccxt's cancelOrder address an order by our client order id. ccxt's unified
 * `clientOrderId` reaches Binance (origClientOrderId) and OKX (clOrdId); bybit's cancel passes it
 * through unread and needs its own `orderLinkId` (ccxt bybit cancelOrderRequest).
 */
export function cancelByClientIdParams(exchangeId: string, clientOrderId: string): Record<string, string> {
  return exchangeId === "bybit" ? { orderLinkId: clientOrderId } : { clientOrderId };
}

/**
 * The params that make ccxt's createOrder send our client order id. ccxt's coinbase drops the unified
 * `clientOrderId` and sends its own "ccxt-<uuid>"; Coinbase's own `client_order_id` goes through.
 */
export function placeByClientIdParams(exchangeId: string, clientOrderId: string): Record<string, string> {
  return exchangeId === "coinbase" ? { client_order_id: clientOrderId } : { clientOrderId };
}

/** Exchanges that cancel only by their own order id (Coinbase's batch_cancel takes order_ids). */
export const cancelsByExchangeIdOnly = (exchangeId: string): boolean => exchangeId === "coinbase";
