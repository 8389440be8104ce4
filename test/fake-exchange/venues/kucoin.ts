// KuCoin (key version 2): KC-API-KEY / -TIMESTAMP / -SIGN = base64 HMAC-SHA256 of
// timestamp + METHOD + endpoint with query + body; KC-API-PASSPHRASE = base64 HMAC-SHA256 of the
// passphrase under the secret. Errors are {code, msg} with KuCoin's codes.
// Spot trading of a classic (not unified) account with high-frequency (HF) trading, as ccxt's kucoin
// class calls it (read in ccxt's kucoin.js): account/mode (not UNIFIED), hf/accounts/opened (true),
// v2 symbols, allTickers (fee rates), currencies, margin symbol lists (empty), candles (newest first,
// times in seconds), the trade_hf account's balances, hf/orders (place, cancel by id or clientOid,
// active, done, one order) and hf/fills. A spot market order carries size (base) or funds (quote).
// bullet-public / bullet-private hand out the tokens of its websocket side (kucoinWs.ts: candles, orderChange).
// Stop orders are kucoinStop.ts's: the hf endpoints see a stop only once triggered, as the order it became.
import { randomBytes, randomUUID } from "node:crypto";
import { BinanceReject } from "../engine";
import type { FakeOrder, FakeSymbol, FakeTrade } from "../types";
import { dec, jsonOf, queryOf, type VenueBook } from "./book";
import { hmacSha256, sameSignature } from "./hmac";
import { kucoinStopRoutes } from "./kucoinStop";
import { attachKucoinWs, issueKucoinToken, KUCOIN_WS_PATH } from "./kucoinWs";
import { ordinary } from "./okxAlgo";
import { header, VenueReply, type VenueDialect, type VenueKey, type VenueRequest } from "./types";

const reject = (code: string, msg: string, status = 401) => new VenueReply(status, { code, msg });
const ok = (data: unknown) => ({ code: "200000", data });

/** KuCoin's candle types by ccxt timeframe. */
export const KUCOIN_TYPE: Record<string, string> = { "1m": "1min", "5m": "5min", "15m": "15min", "1h": "1hour", "4h": "4hour", "1d": "1day" };

function instrument(book: VenueBook, id: string | null | undefined): FakeSymbol {
  const s = book.symbolOf(id ?? undefined);
  if (!s) throw reject("400100", "Unsupported trading pair.", 200);
  return s;
}

function mayTrade(key: VenueKey): void {
  if (!key.trade) throw reject("400007", "Access denied, require more permission.", 403);
}

const isOpen = (o: FakeOrder) => o.status === "NEW" || o.status === "PARTIALLY_FILLED";

/** An order as KuCoin's HF order endpoints write it. */
const orderJson = (book: VenueBook, o: FakeOrder) => {
  const s = book.engine.market(o.symbol);
  const fee = o.trades.reduce((sum, t) => sum + t.commission, 0);
  const open = isOpen(o);
  const cancelled = o.status === "CANCELED" || o.status === "EXPIRED";
  return {
    id: String(o.orderId),
    clientOid: o.clientOrderId,
    symbol: book.instId(s),
    opType: "DEAL",
    type: o.type === "LIMIT" ? "limit" : "market",
    side: o.side === "BUY" ? "buy" : "sell",
    price: o.type === "LIMIT" ? dec(o.price) : "0",
    size: dec(o.origQty),
    funds: "0",
    dealSize: dec(o.executedQty),
    dealFunds: dec(o.cummulativeQuoteQty),
    remainSize: dec(open ? o.origQty - o.executedQty : 0),
    remainFunds: "0",
    cancelledSize: dec(cancelled ? o.origQty - o.executedQty : 0),
    cancelledFunds: "0",
    fee: dec(fee),
    feeCurrency: o.side === "BUY" ? s.baseAsset : s.quoteAsset,
    stp: null,
    timeInForce: "GTC",
    postOnly: false,
    hidden: false,
    iceberg: false,
    visibleSize: "0",
    cancelAfter: 0,
    channel: "API",
    remark: null,
    tags: null,
    cancelExist: cancelled,
    tradeType: "TRADE",
    inOrderBook: open && o.type === "LIMIT",
    active: open,
    tax: "0",
    createdAt: o.time,
    lastUpdatedAt: o.updateTime,
  };
};

const fillJson = (book: VenueBook, t: FakeTrade) => {
  const o = book.engine.orders.find((x) => x.orderId === t.orderId)!;
  return {
    id: t.id * 10,
    orderId: String(t.orderId),
    counterOrderId: `c${t.orderId}`,
    tradeId: t.id,
    symbol: book.instIdOfOrder(t),
    side: t.isBuyer ? "buy" : "sell",
    liquidity: t.isMaker ? "maker" : "taker",
    forceTaker: false,
    price: dec(t.price),
    size: dec(t.qty),
    funds: dec(t.quoteQty),
    fee: dec(t.commission),
    feeRate: "0.001",
    feeCurrency: t.commissionAsset,
    stop: "",
    tradeType: "TRADE",
    taxRate: "0",
    tax: "0",
    type: o.type === "LIMIT" ? "limit" : "market",
    createdAt: t.time,
  };
};

function engineReject(e: BinanceReject, req: VenueRequest): VenueReply {
  const r = (code: string, msg: string) => reject(code, msg, 200);
  switch (e.code) {
    case -2010:
      return /insufficient/i.test(e.message) ? r("200004", "Balance insufficient!") : r("400100", "clientOid duplicated");
    case -2011:
    case -2013:
      return req.method === "DELETE" ? r("400100", "order_not_exist_or_not_allow_to_cancel") : r("400100", "order not exist.");
    case -1013:
      return /NOTIONAL|LOT_SIZE/.test(e.message) && /below|NOTIONAL/.test(e.message) ? r("400100", "Order size below the minimum requirement.") : /LOT_SIZE/.test(e.message) ? r("400100", "Order size increment invalid.") : r("400100", "Price increment invalid.");
    default:
      return r("400100", `Parameter error: ${e.message}`);
  }
}

/**
 * The ordinary order (not a stop still in the stop book, kucoinStop.ts) of a symbol by id or clientOid,
 * the most recent first; BinanceReject -2013 when none. A triggered stop is the order it became.
 */
function findOrdinary(book: VenueBook, s: FakeSymbol, orderId: string | undefined, clientOid: string | undefined): FakeOrder {
  for (let i = book.engine.orders.length - 1; i >= 0; i--) {
    const o = book.engine.orders[i]!;
    if (o.symbol !== s.symbol || !ordinary(o)) continue;
    if (orderId !== undefined && String(o.orderId) !== orderId) continue;
    if (clientOid !== undefined && o.clientOrderId !== clientOid) continue;
    return o;
  }
  throw new BinanceReject(-2013, "Order does not exist.");
}

function ordersOf(book: VenueBook, req: VenueRequest, open: boolean) {
  const q = queryOf(req);
  const s = instrument(book, q.get("symbol"));
  const startAt = Number(q.get("startAt") ?? -Infinity);
  return book.engine.orders
    .filter((o) => o.symbol === s.symbol && ordinary(o) && isOpen(o) === open && o.time >= startAt)
    .reverse()
    .slice(0, Math.min(Number(q.get("limit") ?? q.get("pageSize") ?? 20), 100))
    .map((o) => orderJson(book, o));
}

/** A bullet answer: the token and the endpoint to connect to (this fake's own server). */
const bullet = (req: VenueRequest, token: string) =>
  ok({ token, instanceServers: [{ endpoint: `ws://${req.headers.host ?? "127.0.0.1"}${KUCOIN_WS_PATH}`, encrypt: true, protocol: "websocket", pingInterval: 18_000, pingTimeout: 10_000 }] });

export const kucoinDialect: VenueDialect = {
  id: "kucoin",
  needsPassphrase: true,
  makeSecret: () => ({ secret: randomUUID() }),
  makeApiKey: () => randomBytes(12).toString("hex"),
  authenticate(req, keys) {
    const apiKey = header(req, "KC-API-KEY");
    const timestamp = header(req, "KC-API-TIMESTAMP");
    if (!apiKey || !timestamp || !header(req, "KC-API-SIGN") || !header(req, "KC-API-PASSPHRASE")) {
      throw reject("400001", "Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE");
    }
    const key = keys.get(apiKey);
    if (!key) throw reject("400003", "KC-API-KEY not exists");
    if (!(Math.abs(req.now - Number(timestamp)) <= 5000)) throw reject("400002", "KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds");
    const endpoint = req.path + (req.rawQuery ? `?${req.rawQuery}` : "");
    if (!sameSignature(header(req, "KC-API-SIGN"), hmacSha256(key.secret, timestamp + req.method + endpoint + req.body, "base64"))) {
      throw reject("400005", "Invalid KC-API-SIGN");
    }
    if (!sameSignature(header(req, "KC-API-PASSPHRASE"), hmacSha256(key.secret, key.passphrase ?? "", "base64"))) throw reject("400004", "Invalid KC-API-PASSPHRASE");
    return key;
  },
  routes: {
    ...kucoinStopRoutes(instrument, mayTrade),
    "GET /api/ua/v1/account/mode": () => ok({ selfAccountMode: "CLASSIC" }),
    "GET /api/v1/hf/accounts/opened": () => ok(true),
    "GET /api/v3/margin/symbols": () => ok({ timestamp: Date.now(), items: [] }),
    "GET /api/v1/isolated/symbols": () => ok([]),
    "GET /api/v1/accounts": (_key, req, book) => {
      const type = queryOf(req).get("type");
      return ok(
        [...book.engine.balances.entries()].map(([currency, b], i) => ({
          id: `5bd6e9286d99522a52e458de${i}`,
          currency,
          type: "trade_hf",
          balance: dec(b.free + b.locked),
          available: dec(b.free),
          holds: dec(b.locked),
        })).filter((a) => type === null || a.type === type),
      );
    },
    "POST /api/v1/hf/orders": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["symbol"]);
      const side = b["side"];
      const type = b["type"];
      if ((side !== "buy" && side !== "sell") || (type !== "market" && type !== "limit")) throw reject("400100", "Parameter error: side or type", 200);
      const clientOid = b["clientOid"];
      if (!clientOid || !/^[A-Za-z0-9_-]{1,40}$/.test(clientOid)) throw reject("400100", "clientOid invalid", 200);
      let size = b["size"];
      // A market order may give funds (quote to spend) instead of size; the engine takes a base amount.
      if (type === "market" && size === undefined && b["funds"] !== undefined) size = dec(Math.floor(Number(b["funds"]) / book.lastPrice(s) / s.stepSize) * s.stepSize);
      const o = book.place(s, side, type, size, type === "limit" ? b["price"] : undefined, clientOid);
      return ok({ orderId: String(o.orderId), clientOid: o.clientOrderId });
    },
    "DELETE /api/v1/hf/orders/client-order/{clientOid}": (key, req, book) => {
      mayTrade(key);
      const s = instrument(book, queryOf(req).get("symbol"));
      const o = book.cancel(s, String(findOrdinary(book, s, undefined, req.params["clientOid"]).orderId), undefined);
      return ok({ clientOid: o.clientOrderId });
    },
    "DELETE /api/v1/hf/orders/{orderId}": (key, req, book) => {
      mayTrade(key);
      const s = instrument(book, queryOf(req).get("symbol"));
      const o = book.cancel(s, String(findOrdinary(book, s, req.params["orderId"], undefined).orderId), undefined);
      return ok({ orderId: String(o.orderId) });
    },
    "GET /api/v1/hf/orders/active": (_key, req, book) => ok(ordersOf(book, req, true)),
    "GET /api/v1/hf/orders/done": (_key, req, book) => ok({ lastId: 0, items: ordersOf(book, req, false) }),
    "GET /api/v1/hf/orders/client-order/{clientOid}": (_key, req, book) =>
      ok(orderJson(book, findOrdinary(book, instrument(book, queryOf(req).get("symbol")), undefined, req.params["clientOid"]))),
    "GET /api/v1/hf/orders/{orderId}": (_key, req, book) => ok(orderJson(book, findOrdinary(book, instrument(book, queryOf(req).get("symbol")), req.params["orderId"], undefined))),
    "GET /api/v1/hf/fills": (_key, req, book) => {
      const q = queryOf(req);
      const s = instrument(book, q.get("symbol"));
      const startAt = Number(q.get("startAt") ?? -Infinity);
      const orderId = q.get("orderId");
      const items = book.engine.trades
        .filter((t) => t.symbol === s.symbol && t.time >= startAt && (orderId === null || String(t.orderId) === orderId))
        .reverse()
        .slice(0, Math.min(Number(q.get("limit") ?? 100), 100))
        .map((t) => fillJson(book, t));
      return ok({ items, lastId: 0 });
    },
    // A private websocket token for this key (the signature was checked like any signed request).
    "POST /api/v1/bullet-private": (key, req, book) => bullet(req, issueKucoinToken(book.wsTokens, key.apiKey)),
    "GET /api/v1/user/api-key": (key) => ({
      code: "200000",
      data: {
        remark: "keyflow",
        apiKey: key.apiKey,
        apiVersion: 3,
        permission: ["General", ...(key.trade ? ["Spot"] : []), ...(key.withdraw ? ["Transfer"] : []), "InnerTransfer"].join(","),
        ipWhitelist: key.ipWhitelist ? "127.0.0.1" : "",
        createdAt: 1_733_000_000_000,
        uid: 165111215,
        isMaster: true,
      },
    }),
  },
  instId: (s) => `${s.baseAsset}-${s.quoteAsset}`,
  engineReject,
  publicRoutes: {
    "GET /api/v1/timestamp": () => ok(Date.now()),
    "POST /api/v1/bullet-public": (req, book) => bullet(req, issueKucoinToken(book.wsTokens, null)),
    "GET /api/v2/symbols": (_req, book) =>
      ok(
        book.symbols.map((s) => ({
          symbol: book.instId(s),
          name: book.instId(s),
          baseCurrency: s.baseAsset,
          quoteCurrency: s.quoteAsset,
          feeCurrency: s.quoteAsset,
          market: "USDS",
          baseMinSize: dec(s.minQty),
          quoteMinSize: dec(s.minNotional),
          baseMaxSize: dec(s.maxQty),
          quoteMaxSize: "99999999",
          baseIncrement: dec(s.stepSize),
          quoteIncrement: "0.000001",
          priceIncrement: dec(s.tickSize),
          priceLimitRate: "0.1",
          minFunds: dec(s.minNotional),
          isMarginEnabled: false,
          enableTrading: true,
          feeCategory: 1,
          makerFeeCoefficient: "1.00",
          takerFeeCoefficient: "1.00",
          st: false,
          callauctionIsEnabled: false,
        })),
      ),
    "GET /api/v1/market/allTickers": (_req, book) =>
      ok({
        time: Date.now(),
        ticker: book.symbols.map((s) => {
          const last = dec(book.lastPrice(s));
          return { symbol: book.instId(s), symbolName: book.instId(s), buy: last, sell: last, last, vol: "0", volValue: "0", takerFeeRate: "0.001", makerFeeRate: "0.001", takerCoefficient: "1", makerCoefficient: "1" };
        }),
      }),
    "GET /api/v3/currencies": (_req, book) =>
      ok(
        [...new Set(book.symbols.flatMap((s) => [s.baseAsset, s.quoteAsset]))].map((currency) => ({
          currency,
          name: currency,
          fullName: currency,
          precision: 8,
          confirms: null,
          contractAddress: null,
          isMarginEnabled: false,
          isDebitEnabled: false,
          chains: [{ chainName: currency, withdrawalMinSize: "0.001", depositMinSize: "0", withdrawFeeRate: "0", withdrawalMinFee: "0.0001", isWithdrawEnabled: true, isDepositEnabled: true, confirms: 6, preConfirms: 6, contractAddress: "", withdrawPrecision: 8, chainId: currency.toLowerCase() }],
        })),
      ),
    "GET /api/v1/market/candles": (req, book) => {
      const q = queryOf(req);
      const s = instrument(book, q.get("symbol"));
      if (q.get("type") !== KUCOIN_TYPE[book.interval]) throw reject("400100", "Unsupported type", 200);
      const startAt = Number(q.get("startAt") ?? 0) * 1000;
      const endAt = q.get("endAt") === null || q.get("endAt") === "0" ? Infinity : Number(q.get("endAt")) * 1000;
      // Newest first, at most 1500, times in seconds; [time, open, close, high, low, volume, turnover].
      return ok(
        book.engine
          .closedCandles(s.symbol)
          .filter((c) => c[0] >= startAt && c[0] < endAt)
          .slice(-1500)
          .reverse()
          .map((c) => [String(c[0] / 1000), dec(c[1]), dec(c[4]), dec(c[2]), dec(c[3]), dec(c[5]), dec(c[5] * c[4])]),
      );
    },
  },
  ws: attachKucoinWs,
  notFound: (req) => reject("404000", `fake kucoin: no route for ${req.method} ${req.path}`, 404),
};
