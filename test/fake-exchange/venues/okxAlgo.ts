// OKX v5 algo orders on the fake, as ccxt's okx class sends them for a spot stop loss / take profit
// (createOrder with stopLossPrice / takeProfitPrice: POST trade/order-algo, ordType "conditional" with
// slTriggerPx / tpTriggerPx and order price "-1", i.e. market; with triggerPrice: ordType "trigger",
// triggerPx and orderPx "-1"), amend-algos, cancel-algos, orders-algo-pending / -history and GET
// order-algo by algoId or algoClOrdId. An algo order is the shared engine's STOP_LOSS / TAKE_PROFIT
// order: it waits untriggered (state "live", absent from the ordinary order endpoints) until a candle
// reaches its trigger; then it becomes an ordinary market order that fills (the algo turns "effective"
// and names it in ordId). That ordinary order has an id of its own (the engine's order id, different
// from the algoId), an empty clOrdId and the algo's algoId / algoClOrdId, as OKX reports a triggered order.
import type { FakeOrder, FakeSymbol } from "../types";
import { BinanceReject } from "../engine";
import { dec, jsonOf, queryOf, type VenueBook } from "./book";
import { VenueReply, type VenueDialect, type VenueKey } from "./types";

const ok = (data: unknown[]) => ({ code: "0", msg: "", data });
const failed = (sCode: string, sMsg: string, entry: Record<string, string> = {}) => new VenueReply(200, { code: "1", msg: "All operations failed", data: [{ ...entry, sCode, sMsg }] });

/** The OKX algoId of an engine order: a number of its own, never equal to an ordinary ordId. */
export const okxAlgoId = (o: FakeOrder): string => String(800_000_000 + o.orderId);

/** An engine order that OKX holds as an algo order (the fake's ordinary OKX orders are limit or market). */
export const isAlgo = (o: FakeOrder): boolean => o.type === "STOP_LOSS" || o.type === "TAKE_PROFIT";

/** An algo order whose trigger was reached: it is an ordinary (market) order now. */
export const triggered = (o: FakeOrder): boolean => isAlgo(o) && o.trades.length > 0;

/** What the ordinary order endpoints see: every limit or market order, and triggered algos. */
export const ordinary = (o: FakeOrder): boolean => !isAlgo(o) || triggered(o);

const STATE: Record<FakeOrder["status"], string> = { NEW: "live", PARTIALLY_FILLED: "partially_effective", FILLED: "effective", CANCELED: "canceled", EXPIRED: "canceled" };

/** The ordType an algo order was placed with (kept per engine order: the engine keeps no venue words). */
const ordTypes = new WeakMap<FakeOrder, "conditional" | "trigger">();

export const algoJson = (book: VenueBook, o: FakeOrder) => {
  const s = book.engine.market(o.symbol);
  const ordType = ordTypes.get(o) ?? "conditional";
  const sl = ordType === "conditional" && (o.type === "STOP_LOSS") === (o.side === "SELL");
  const tp = ordType === "conditional" && !sl;
  const last = o.trades[o.trades.length - 1];
  const ordId = triggered(o) ? String(o.orderId) : "";
  return {
    instType: "SPOT",
    instId: book.instId(s),
    ccy: "",
    ordId,
    ordIdList: ordId ? [ordId] : [],
    algoId: okxAlgoId(o),
    clOrdId: o.clientOrderId,
    algoClOrdId: o.clientOrderId,
    sz: dec(o.origQty),
    closeFraction: "",
    ordType,
    side: o.side === "BUY" ? "buy" : "sell",
    posSide: "net",
    tdMode: "cash",
    tgtCcy: "",
    state: STATE[o.status],
    lever: "",
    tpTriggerPx: tp ? dec(o.stopPrice) : "",
    tpTriggerPxType: tp ? "last" : "",
    tpOrdPx: tp ? "-1" : "",
    slTriggerPx: sl ? dec(o.stopPrice) : "",
    slTriggerPxType: sl ? "last" : "",
    slOrdPx: sl ? "-1" : "",
    triggerPx: ordType === "trigger" ? dec(o.stopPrice) : "",
    triggerPxType: ordType === "trigger" ? "last" : "",
    ordPx: ordType === "trigger" ? "-1" : "",
    actualSz: triggered(o) ? dec(o.origQty) : "",
    actualPx: last ? dec(last.price) : "",
    actualSide: triggered(o) ? (sl ? "sl" : tp ? "tp" : "") : "",
    triggerTime: o.trades[0] ? String(o.trades[0].time) : "",
    reduceOnly: "false",
    tag: "",
    cTime: String(o.time),
    uTime: String(o.updateTime),
  };
};

/** The algo order named by algoId or algoClOrdId (the most recent with that client id); 51603 when none. */
function findAlgo(book: VenueBook, s: FakeSymbol | undefined, algoId: string | undefined | null, algoClOrdId: string | undefined | null): FakeOrder {
  if (!algoId && !algoClOrdId) throw failed("51000", "Parameter algoId error");
  for (let i = book.engine.orders.length - 1; i >= 0; i--) {
    const o = book.engine.orders[i]!;
    if (!isAlgo(o) || (s && o.symbol !== s.symbol)) continue;
    if (algoId && okxAlgoId(o) !== algoId) continue;
    if (algoClOrdId && o.clientOrderId !== algoClOrdId) continue;
    return o;
  }
  throw new VenueReply(200, { code: "51603", msg: "Order does not exist", data: [] });
}

/** A stop or take-profit that the last price has already passed: OKX refuses it. */
function passedTrigger(e: unknown, sl: boolean): never {
  if (e instanceof BinanceReject && /trigger immediately/.test(e.message)) {
    throw sl ? failed("51280", "SL trigger price must be less than the last price.") : failed("51279", "TP trigger price must be greater than the last price.");
  }
  throw e;
}

type Route = VenueDialect["routes"][string];

/** The algo routes of the OKX dialect; `instrument` and `mayTrade` are the dialect's own checks. */
export function okxAlgoRoutes(instrument: (book: VenueBook, id: string | null | undefined) => FakeSymbol, mayTrade: (key: VenueKey) => void): Record<string, Route> {
  return {
    "POST /api/v5/trade/order-algo": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, unknown>;
      const str = (k: string) => (typeof b[k] === "string" && b[k] !== "" ? (b[k] as string) : undefined);
      const s = instrument(book, str("instId"));
      // ccxt sends our id as clOrdId; OKX's own name for an algo's client id is algoClOrdId.
      const cid = str("algoClOrdId") ?? str("clOrdId");
      const entry = { algoId: "", algoClOrdId: cid ?? "", clOrdId: cid ?? "" };
      // ccxt sends a spot stop with its default margin mode, "cross" (its note: OKX refused "cash" for
      // one); the fake's spot account borrows nothing either way.
      if (str("tdMode") !== "cash" && str("tdMode") !== "cross") throw failed("51000", "Parameter tdMode error", entry);
      if (cid !== undefined && !/^[A-Za-z0-9]{1,32}$/.test(cid)) throw failed("51000", "Parameter algoClOrdId error", entry);
      const side = str("side");
      if (side !== "buy" && side !== "sell") throw failed("51000", "Parameter side error", entry);
      const ordType = str("ordType");
      let stopType: "STOP_LOSS" | "TAKE_PROFIT";
      let trigger: string | undefined;
      if (ordType === "conditional") {
        const sl = str("slTriggerPx");
        const tp = str("tpTriggerPx");
        if ((sl === undefined) === (tp === undefined)) throw failed("51000", "Parameter slTriggerPx error (one of slTriggerPx or tpTriggerPx; both is ordType oco)", entry);
        if ((sl !== undefined && str("slOrdPx") !== "-1") || (tp !== undefined && str("tpOrdPx") !== "-1")) throw failed("51000", "fake okx: only market (-1) stop order prices are served", entry);
        trigger = sl ?? tp;
        // A sell stop loss waits for the price to fall; a sell take profit for it to rise (a buy: the other way).
        stopType = (sl !== undefined) === (side === "sell") ? "STOP_LOSS" : "TAKE_PROFIT";
      } else if (ordType === "trigger") {
        trigger = str("triggerPx");
        if (trigger === undefined || str("orderPx") !== "-1") throw failed("51000", "Parameter triggerPx error (the fake serves market trigger orders, orderPx -1)", entry);
        const falls = Number(trigger) < book.lastPrice(s);
        stopType = falls === (side === "sell") ? "STOP_LOSS" : "TAKE_PROFIT";
      } else {
        throw failed("51000", `fake okx: algo ordType ${String(ordType)} is not served (conditional and trigger are)`, entry);
      }
      let o: FakeOrder;
      try {
        o = book.engine.placeOrder({ symbol: s.symbol, side: side === "buy" ? "BUY" : "SELL", type: stopType, quantity: str("sz"), price: undefined, timeInForce: undefined, newClientOrderId: cid, stopPrice: trigger }, book.fillScripts);
      } catch (e) {
        passedTrigger(e, stopType === "STOP_LOSS");
      }
      ordTypes.set(o, ordType);
      return ok([{ algoId: okxAlgoId(o), clOrdId: cid ?? "", algoClOrdId: cid ?? "", tag: "", sCode: "0", sMsg: "Order placed" }]);
    },
    // Amends an untriggered algo where it waits: same algoId and algoClOrdId, new trigger and/or size.
    "POST /api/v5/trade/amend-algos": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["instId"]);
      const entry = { algoId: b["algoId"] ?? "", algoClOrdId: b["algoClOrdId"] ?? "", reqId: b["reqId"] ?? "" };
      const o = findAlgo(book, s, b["algoId"], b["algoClOrdId"]);
      const trigger = b["newSlTriggerPx"] ?? b["newTpTriggerPx"] ?? b["newTriggerPx"];
      if (trigger === undefined && b["newSz"] === undefined) throw failed("51000", "Parameter newSlTriggerPx error", entry);
      // ccxt writes the market order price through priceToPrecision: "-1" at any number of decimals.
      if ((b["newSlTriggerPx"] !== undefined && Number(b["newSlOrdPx"]) !== -1) || (b["newTpTriggerPx"] !== undefined && Number(b["newTpOrdPx"]) !== -1)) throw failed("51000", "fake okx: only market (-1) stop order prices are served", entry);
      try {
        book.engine.amendInPlace(s.symbol, { orderId: String(o.orderId) }, { stopPrice: trigger, quantity: b["newSz"] });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === -2011 || code === -2013) throw failed("51503", "Order modification failed as the order has been filled, canceled or does not exist.", entry);
        passedTrigger(e, o.type === "STOP_LOSS");
      }
      return ok([{ ...entry, algoId: okxAlgoId(o), algoClOrdId: o.clientOrderId, sCode: "0", sMsg: "" }]);
    },
    "POST /api/v5/trade/cancel-algos": (key, req, book) => {
      mayTrade(key);
      const body = jsonOf(req);
      if (!Array.isArray(body) || body.length === 0) throw failed("51000", "Parameter error");
      return ok(
        (body as Record<string, string | undefined>[]).map((b) => {
          const o = findAlgo(book, instrument(book, b["instId"]), b["algoId"], b["algoClOrdId"]);
          if (triggered(o) || (o.status !== "NEW" && o.status !== "PARTIALLY_FILLED")) throw failed("51400", "Cancellation failed as the order has been filled, canceled or does not exist.", { algoId: okxAlgoId(o), algoClOrdId: o.clientOrderId });
          book.cancel(book.engine.market(o.symbol), String(o.orderId), undefined);
          return { algoId: okxAlgoId(o), algoClOrdId: o.clientOrderId, sCode: "0", sMsg: "" };
        }),
      );
    },
    "GET /api/v5/trade/order-algo": (_key, req, book) => {
      const q = queryOf(req);
      return ok([algoJson(book, findAlgo(book, undefined, q.get("algoId"), q.get("algoClOrdId")))]);
    },
    "GET /api/v5/trade/orders-algo-pending": (_key, req, book) => ok(algosOf(book, queryOf(req), instrument, true)),
    "GET /api/v5/trade/orders-algo-history": (_key, req, book) => ok(algosOf(book, queryOf(req), instrument, false)),
  };
}

function algosOf(book: VenueBook, q: URLSearchParams, instrument: (book: VenueBook, id: string | null | undefined) => FakeSymbol, pending: boolean): unknown[] {
  const ordType = q.get("ordType");
  if (!ordType) throw failed("51000", "Parameter ordType error");
  const types = ordType.split(",");
  if (!pending && !q.get("state") && !q.get("algoId")) throw failed("51000", "Parameter state error");
  const s = q.get("instId") === null ? undefined : instrument(book, q.get("instId"));
  const state = q.get("state");
  return book.engine.orders
    .filter((o) => isAlgo(o) && types.includes(ordTypes.get(o) ?? "conditional") && (s === undefined || o.symbol === s.symbol))
    .filter((o) => (pending ? o.status === "NEW" && !triggered(o) : o.status !== "NEW" || triggered(o)))
    .filter((o) => state === null || STATE[o.status] === state)
    .filter((o) => q.get("algoId") === null || okxAlgoId(o) === q.get("algoId"))
    .reverse()
    .slice(0, Math.min(Number(q.get("limit") ?? 100), 100))
    .map((o) => algoJson(book, o));
}
