// Bitget v2 spot plan orders on the fake, as ccxt's bitget class (4.5.x) sends them for a spot stop:
// createOrder with triggerPrice → POST trade/place-plan-order (orderType "market", planType "amount",
// size in the base, triggerPrice, triggerType); editOrder with triggerPrice → trade/modify-plan-order
// (in place: same orderId and clientOid); cancelOrder with trigger → trade/cancel-plan-order (by
// clientOid, no symbol); fetchOpenOrders / fetchCanceledAndClosedOrders with trigger →
// current-plan-order / history-plan-order ({orderList}); and trade/plan-sub-order (not in ccxt's list:
// signed requests name it), the spot order a plan became. A plan order is the shared engine's STOP_LOSS
// / TAKE_PROFIT order (a sell below the last price waits for it to fall, above for it to rise, as
// Bitget decides by where the trigger lies): it waits (status "live", unknown to the ordinary order
// endpoints) until a candle reaches its trigger; then it is "executed" and a market order of its own id
// (the engine's order id, not the plan's) fills, which the ordinary endpoints report without a clientOid.
import type { FakeOrder, FakeSymbol } from "../types";
import { BinanceReject } from "../engine";
import { dec, jsonOf, queryOf, type VenueBook } from "./book";
import { isAlgo as isPlan, triggered } from "./okxAlgo";
import type { VenueDialect, VenueKey, VenueReply } from "./types";

/** The Bitget plan orderId of an engine order: a number of its own, never equal to an ordinary orderId. */
export const bitgetPlanId = (o: FakeOrder): string => String(900_000_000 + o.orderId);

const STATUS: Record<FakeOrder["status"], string> = { NEW: "live", PARTIALLY_FILLED: "executing", FILLED: "executed", CANCELED: "cancelled", EXPIRED: "cancelled" };
/** The trigger type a plan was placed with (the engine keeps no venue words). */
const triggerTypes = new WeakMap<FakeOrder, string>();

const planJson = (book: VenueBook, o: FakeOrder) => ({
  orderId: bitgetPlanId(o),
  clientOid: o.clientOrderId,
  symbol: book.instIdOfOrder(o),
  size: dec(o.origQty),
  planType: "AMOUNT",
  executePrice: "0",
  triggerPrice: dec(o.stopPrice),
  status: triggered(o) ? "executed" : STATUS[o.status],
  orderType: "market",
  side: o.side === "BUY" ? "buy" : "sell",
  triggerType: triggerTypes.get(o) ?? "fill_price",
  enterPointSource: "API",
  cTime: String(o.time),
  uTime: String(o.updateTime),
});

type Route = VenueDialect["routes"][string];

export interface BitgetBasics {
  instrument: (book: VenueBook, id: string | null | undefined) => FakeSymbol;
  mayTrade: (key: VenueKey) => void;
  reject: (code: string, msg: string, status?: number) => VenueReply;
  ok: (data: unknown) => unknown;
}

/** The plan-order routes of the Bitget dialect, on the dialect's own checks and answers. */
export function bitgetPlanRoutes({ instrument, mayTrade, reject, ok }: BitgetBasics): Record<string, Route> {
  /** The plan named by orderId or clientOid (the most recent with that client id); 43025 when none. */
  const findPlan = (book: VenueBook, orderId: string | undefined, clientOid: string | undefined): FakeOrder => {
    if (!orderId && !clientOid) throw reject("40808", "Parameter verification exception: orderId or clientOid");
    for (let i = book.engine.orders.length - 1; i >= 0; i--) {
      const o = book.engine.orders[i]!;
      if (!isPlan(o) || (orderId && bitgetPlanId(o) !== orderId) || (clientOid && o.clientOrderId !== clientOid)) continue;
      return o;
    }
    throw reject("43025", "Plan order does not exist");
  };
  const live = (o: FakeOrder) => o.status === "NEW" && !triggered(o);
  const str = (b: Record<string, unknown>, k: string) => (b[k] === undefined || b[k] === null || b[k] === "" ? undefined : String(b[k]));
  const plans = (book: VenueBook, pending: boolean) => (_key: VenueKey, req: Parameters<Route>[1]) => {
    const q = queryOf(req);
    const s = instrument(book, q.get("symbol"));
    if (!pending && (q.get("startTime") === null || q.get("endTime") === null)) throw reject("40808", "Parameter verification exception: startTime and endTime");
    const from = Number(q.get("startTime") ?? -Infinity);
    const to = Number(q.get("endTime") ?? Infinity);
    const orderList = book.engine.orders
      .filter((o) => isPlan(o) && o.symbol === s.symbol && live(o) === pending && o.time >= from && o.time <= to)
      .reverse()
      .slice(0, Math.min(Number(q.get("limit") ?? 100), 100))
      .map((o) => planJson(book, o));
    return ok({ nextFlag: false, idLessThan: orderList.at(-1)?.orderId ?? "", orderList });
  };
  return {
    "POST /api/v2/spot/trade/place-plan-order": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, unknown>;
      const s = instrument(book, str(b, "symbol"));
      const side = str(b, "side");
      if (side !== "buy" && side !== "sell") throw reject("40808", "Parameter verification exception: side");
      if (str(b, "orderType") !== "market" || str(b, "executePrice") !== undefined) throw reject("40808", "fake bitget: only market plan orders (no executePrice) are served");
      if (str(b, "planType") !== "amount") throw reject("40808", "fake bitget: only planType amount (size in the base) is served");
      const triggerType = str(b, "triggerType");
      if (triggerType !== "fill_price" && triggerType !== "mark_price") throw reject("40808", "Parameter verification exception: triggerType");
      const clientOid = str(b, "clientOid");
      if (clientOid !== undefined && !/^[A-Za-z0-9_-]{1,50}$/.test(clientOid)) throw reject("40808", "Parameter verification exception: clientOid");
      const trigger = str(b, "triggerPrice");
      if (trigger === undefined) throw reject("40808", "Parameter verification exception: triggerPrice");
      // Bitget waits for the price to reach the trigger from where it is now: below, a sell is a stop loss.
      const falls = Number(trigger) < book.lastPrice(s);
      let o: FakeOrder;
      try {
        o = book.engine.placeOrder({ symbol: s.symbol, side: side === "buy" ? "BUY" : "SELL", type: falls === (side === "sell") ? "STOP_LOSS" : "TAKE_PROFIT", quantity: str(b, "size"), price: undefined, timeInForce: undefined, newClientOrderId: clientOid, stopPrice: trigger }, book.fillScripts);
      } catch (e) {
        if (e instanceof BinanceReject && /trigger immediately/.test(e.message)) throw reject("43011", "The trigger price equals the latest price");
        throw e;
      }
      triggerTypes.set(o, triggerType);
      return ok({ orderId: bitgetPlanId(o), clientOid: o.clientOrderId });
    },
    // Amends a live plan where it waits: same orderId and clientOid, new trigger and size.
    "POST /api/v2/spot/trade/modify-plan-order": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, unknown>;
      const o = findPlan(book, str(b, "orderId"), str(b, "clientOid"));
      if (str(b, "orderType") !== "market" || str(b, "executePrice") !== undefined) throw reject("40808", "fake bitget: only market plan orders (no executePrice) are served");
      if (!live(o)) throw reject("43025", "Plan order does not exist");
      try {
        book.engine.amendInPlace(o.symbol, { orderId: String(o.orderId) }, { stopPrice: str(b, "triggerPrice"), quantity: str(b, "size") });
      } catch (e) {
        if (e instanceof BinanceReject && (e.code === -2011 || e.code === -2013)) throw reject("43025", "Plan order does not exist");
        if (e instanceof BinanceReject && /trigger immediately/.test(e.message)) throw reject("43011", "The trigger price has been passed by the latest price");
        throw e;
      }
      return ok({ orderId: bitgetPlanId(o), clientOid: o.clientOrderId });
    },
    "POST /api/v2/spot/trade/cancel-plan-order": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, unknown>;
      const o = findPlan(book, str(b, "orderId"), str(b, "clientOid"));
      if (!live(o)) throw reject("43025", "Plan order does not exist");
      book.cancel(book.engine.market(o.symbol), String(o.orderId), undefined);
      return ok({ result: "success" });
    },
    "GET /api/v2/spot/trade/current-plan-order": (key, req, book) => plans(book, true)(key, req),
    "GET /api/v2/spot/trade/history-plan-order": (key, req, book) => plans(book, false)(key, req),
    // The spot order an executed plan placed (none while it waits).
    "GET /api/v2/spot/trade/plan-sub-order": (_key, req, book) => {
      const o = findPlan(book, queryOf(req).get("planOrderId") ?? undefined, undefined);
      return ok(triggered(o) ? [{ orderId: String(o.orderId), price: "0", type: "market", status: o.status === "FILLED" ? "filled" : "partially_filled" }] : []);
    },
  };
}
