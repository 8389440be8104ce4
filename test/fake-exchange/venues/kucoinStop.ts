// KuCoin spot stop orders on the fake, as ccxt's kucoin class (4.5.x) sends them: createOrder with
// stopLossPrice / takeProfitPrice / triggerPrice posts /api/v1/stop-order (stop "loss" or "entry",
// stopPrice); fetchOrder / cancelOrder / fetchOpenOrders with `trigger: true` reach stop-order/{orderId},
// stop-order/queryOrderByClientOid (a list), stop-order/cancelOrderByClientOid and the stop-order list.
// A stop is the shared engine's STOP_LOSS / TAKE_PROFIT order, held in the stop book under an id of its
// own ("vs…", never an ordinary order id) with status NEW, absent from the hf order endpoints. Once a
// candle reaches its trigger it becomes an ordinary market order under the engine's order id, carrying
// the stop's clientOid, that fills (hf/orders, hf/fills, the tradeOrders topic); the stop then reads
// TRIGGERED. A cancelled stop reads CANCELLED. (The fake's reading of KuCoin: its stop order detail
// has these statuses; that the triggered order keeps the clientOid is assumed.)
import { BinanceReject } from "../engine";
import type { FakeOrder, FakeSymbol } from "../types";
import { dec, jsonOf, queryOf, type VenueBook } from "./book";
import { isAlgo as isStop, triggered } from "./okxAlgo";
import { VenueReply, type VenueDialect, type VenueKey } from "./types";

const ok = (data: unknown) => ({ code: "200000", data });
const notExist = () => new VenueReply(200, { code: "400100", msg: "order not exist." });

/** The stop-book id of an engine order (KuCoin's look: "vs" and base-36 letters and digits). */
export const kucoinStopId = (o: FakeOrder): string => `vs${(1e12 + o.orderId).toString(36)}`;

/** KuCoin's "stop" word: "loss" (a sell waits for the price to fall, a buy for it to rise; the engine's STOP_LOSS), "entry" the other way. */
const stopWord = (o: FakeOrder) => (o.type === "STOP_LOSS" ? "loss" : "entry");

const STATUS = (o: FakeOrder) => (triggered(o) ? "TRIGGERED" : o.status === "NEW" ? "NEW" : "CANCELLED");

/** A stop as KuCoin's stop-order endpoints write it. */
export const stopJson = (book: VenueBook, o: FakeOrder) => {
  const s = book.engine.market(o.symbol);
  return {
    id: kucoinStopId(o),
    symbol: book.instId(s),
    userId: "5cbd31ab9c93e9280cd36a0a",
    status: STATUS(o),
    type: "market",
    side: o.side === "BUY" ? "buy" : "sell",
    price: "0",
    size: dec(o.origQty),
    funds: null,
    stp: null,
    timeInForce: "GTC",
    cancelAfter: -1,
    postOnly: false,
    hidden: false,
    iceberg: false,
    visibleSize: null,
    channel: "API",
    clientOid: o.clientOrderId,
    remark: null,
    tags: null,
    orderTime: o.time * 1_000_000,
    domainId: "kucoin",
    tradeSource: "USER",
    tradeType: "TRADE",
    feeCurrency: s.quoteAsset,
    takerFeeRate: "0.001",
    makerFeeRate: "0.001",
    createdAt: o.time,
    stop: stopWord(o),
    stopTriggerTime: o.trades[0]?.time ?? null,
    stopPrice: dec(o.stopPrice),
  };
};

/** The stop named by its stop id or clientOid (the most recent with that clientOid). */
function findStop(book: VenueBook, id: string | null, clientOid: string | null): FakeOrder {
  for (let i = book.engine.orders.length - 1; i >= 0; i--) {
    const o = book.engine.orders[i]!;
    if (!isStop(o)) continue;
    if (id !== null && kucoinStopId(o) !== id) continue;
    if (clientOid !== null && o.clientOrderId !== clientOid) continue;
    return o;
  }
  throw notExist();
}

/** Cancels a stop that still waits in the stop book; a triggered or cancelled one cannot be. */
function cancelStop(book: VenueBook, o: FakeOrder): void {
  if (STATUS(o) !== "NEW") throw new VenueReply(200, { code: "400100", msg: "order_not_exist_or_not_allow_to_cancel" });
  book.cancel(book.engine.market(o.symbol), String(o.orderId), undefined);
}

type Route = VenueDialect["routes"][string];

/** The stop-order routes of the KuCoin dialect; `instrument` and `mayTrade` are the dialect's own checks. */
export function kucoinStopRoutes(instrument: (book: VenueBook, id: string | null | undefined) => FakeSymbol, mayTrade: (key: VenueKey) => void): Record<string, Route> {
  return {
    "POST /api/v1/stop-order": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["symbol"]);
      const side = b["side"];
      if (side !== "buy" && side !== "sell") throw new VenueReply(200, { code: "400100", msg: "Parameter error: side" });
      if (b["type"] !== "market") throw new VenueReply(200, { code: "400100", msg: "fake kucoin: only market stop orders are served" });
      const clientOid = b["clientOid"];
      if (!clientOid || !/^[A-Za-z0-9_-]{1,40}$/.test(clientOid)) throw new VenueReply(200, { code: "400100", msg: "clientOid invalid" });
      const stop = b["stop"] ?? "loss";
      if (stop !== "loss" && stop !== "entry") throw new VenueReply(200, { code: "400100", msg: "Parameter error: stop" });
      const type = stop === "loss" ? "STOP_LOSS" : "TAKE_PROFIT";
      let o: FakeOrder;
      try {
        o = book.engine.placeOrder({ symbol: s.symbol, side: side === "buy" ? "BUY" : "SELL", type, quantity: b["size"], price: undefined, timeInForce: undefined, newClientOrderId: clientOid, stopPrice: b["stopPrice"] }, book.fillScripts);
      } catch (e) {
        if (e instanceof BinanceReject && /trigger immediately/.test(e.message)) throw new VenueReply(200, { code: "400100", msg: "The stop price would trigger the order immediately." });
        throw e;
      }
      return ok({ orderId: kucoinStopId(o), clientOid });
    },
    // A list (KuCoin's answer here), empty when no stop has the clientOid.
    "GET /api/v1/stop-order/queryOrderByClientOid": (_key, req, book) => {
      const q = queryOf(req);
      const s = q.get("symbol") === null ? undefined : instrument(book, q.get("symbol"));
      const o = book.engine.orders.findLast((x) => isStop(x) && x.clientOrderId === q.get("clientOid") && (s === undefined || x.symbol === s.symbol));
      return ok(o ? [stopJson(book, o)] : []);
    },
    "GET /api/v1/stop-order/{orderId}": (_key, req, book) => ok(stopJson(book, findStop(book, req.params["orderId"] ?? "", null))),
    // The stop book: stops still waiting (KuCoin lists untriggered stops only).
    "GET /api/v1/stop-order": (_key, req, book) => {
      const q = queryOf(req);
      const s = q.get("symbol") === null ? undefined : instrument(book, q.get("symbol"));
      const items = book.engine.orders
        .filter((o) => isStop(o) && STATUS(o) === "NEW" && (s === undefined || o.symbol === s.symbol))
        .reverse()
        .slice(0, Math.min(Number(q.get("pageSize") ?? 50), 500))
        .map((o) => stopJson(book, o));
      return ok({ currentPage: 1, pageSize: items.length, totalNum: items.length, totalPage: 1, items });
    },
    "DELETE /api/v1/stop-order/cancelOrderByClientOid": (key, req, book) => {
      mayTrade(key);
      const o = findStop(book, null, queryOf(req).get("clientOid") ?? "");
      cancelStop(book, o);
      return ok({ cancelledOrderId: kucoinStopId(o), clientOid: o.clientOrderId });
    },
    "DELETE /api/v1/stop-order/{orderId}": (key, req, book) => {
      mayTrade(key);
      const o = findStop(book, req.params["orderId"] ?? "", null);
      cancelStop(book, o);
      return ok({ cancelledOrderIds: [kucoinStopId(o)] });
    },
  };
}
