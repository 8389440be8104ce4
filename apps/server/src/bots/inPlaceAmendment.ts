// An amendment that kept the exchange's order (OKX amend-order, Bybit order/amend): its journal row has
// its own client order id, but the exchange still knows the order by the client id it was placed with.
import type { BotOrder } from "@keyflow/db";

type GetOrder = (clientOrderId: string) => BotOrder | undefined;

/**
 * The row an in-place amendment amended: the amendment records the exchange id of the order it amended,
 * the same as that row's. Null for everything else (Binance's cancelReplace gives a new id).
 */
export function amendedInPlace(o: BotOrder, getOrder: GetOrder): BotOrder | null {
  if (o.amendMode !== "edit" || o.replaces === null || o.exchangeOrderId === null) return null;
  const prev = getOrder(o.replaces);
  return prev && prev.exchangeOrderId === o.exchangeOrderId ? prev : null;
}

/** The client order id the exchange knows an order by: an in-place amendment's is the first order's. */
export function exchangeClientId(o: BotOrder, getOrder: GetOrder): string {
  let cur = o;
  for (let prev = amendedInPlace(cur, getOrder); prev; prev = amendedInPlace(cur, getOrder)) cur = prev;
  return cur.clientOrderId;
}
