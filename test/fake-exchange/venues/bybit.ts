// Bybit v5: X-BAPI-API-KEY / -TIMESTAMP / -RECV-WINDOW / -SIGN = hex HMAC-SHA256 of
// timestamp + apiKey + recvWindow + (query string | JSON body). Errors are {retCode, retMsg}.
// Spot trading of a unified (UTA) account as ccxt's bybit class calls it (read in ccxt's bybit.ts):
// instruments-info per category, kline (newest first), account/info and user/query-api (ccxt's
// isUnifiedEnabled), wallet-balance, order/create (a market order's qty in baseCoin when marketUnit
// says so), order/amend (in place: same orderId and orderLinkId), order/cancel, order/realtime, order/history, execution/list. Rejections are HTTP 200.
// Its websocket side (public spot kline, private auth / order / execution) is bybitWs.ts.
import { randomBytes } from "node:crypto";
import type { BinanceReject } from "../engine";
import type { FakeOrder, FakeSymbol, FakeTrade, OrderStatus } from "../types";
import { averagePrice, commissionOf, dec, jsonOf, queryOf, type VenueBook } from "./book";
import { hmacSha256, sameSignature } from "./hmac";
import { attachBybitWs } from "./bybitWs";
import { header, VenueReply, type VenueDialect, type VenueKey, type VenueRequest } from "./types";

const reject = (retCode: number, retMsg: string, status = 401) => new VenueReply(status, { retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() });
const ok = (result: unknown) => ({ retCode: 0, retMsg: "OK", result, retExtInfo: {}, time: Date.now() });

/** Bybit's kline interval ids by ccxt timeframe. */
export const BYBIT_INTERVAL: Record<string, string> = { "1m": "1", "5m": "5", "15m": "15", "1h": "60", "4h": "240", "1d": "D" };
const STATUS: Record<OrderStatus, string> = { NEW: "New", PARTIALLY_FILLED: "PartiallyFilled", FILLED: "Filled", CANCELED: "Cancelled", EXPIRED: "Cancelled" };

function instrument(book: VenueBook, category: string | null | undefined, id: string | null | undefined): FakeSymbol {
  if (category !== "spot") throw reject(10001, "params error: category only supports spot here", 200);
  const s = book.symbolOf(id ?? undefined);
  if (!s) throw reject(10001, "params error: symbol invalid", 200);
  return s;
}

function mayTrade(key: VenueKey): void {
  if (!key.trade) throw reject(10005, "Permission denied, please check your API key permissions.", 200);
}

/** An order as Bybit's REST API (and its private "order" topic) writes it. */
export const bybitOrderJson = (book: VenueBook, o: FakeOrder) => {
  const s = book.engine.market(o.symbol);
  const { fee, asset } = commissionOf(o, s);
  const open = o.status === "NEW" || o.status === "PARTIALLY_FILLED";
  const leaves = open ? o.origQty - o.executedQty : 0;
  return {
    orderId: String(o.orderId),
    orderLinkId: o.clientOrderId,
    blockTradeId: "",
    symbol: book.instId(s),
    price: o.type === "LIMIT" ? dec(o.price) : "0",
    qty: dec(o.origQty),
    side: o.side === "BUY" ? "Buy" : "Sell",
    isLeverage: "0",
    positionIdx: 0,
    // A spot TP/SL order waits as "Untriggered" until its trigger price is reached.
    orderStatus: o.stopPrice > 0 && o.status === "NEW" ? "Untriggered" : STATUS[o.status],
    cancelType: o.status === "CANCELED" ? "CancelByUser" : "UNKNOWN",
    rejectReason: "EC_NoError",
    avgPrice: o.executedQty > 0 ? dec(averagePrice(o)) : "0",
    leavesQty: dec(leaves),
    leavesValue: dec(leaves * (o.type === "LIMIT" ? o.price : 0)),
    cumExecQty: dec(o.executedQty),
    cumExecValue: dec(o.cummulativeQuoteQty),
    cumExecFee: dec(fee),
    cumFeeDetail: fee > 0 ? { [asset]: dec(fee) } : {},
    timeInForce: o.type === "LIMIT" ? "GTC" : "IOC",
    orderType: o.type === "LIMIT" ? "Limit" : "Market",
    stopOrderType: o.stopPrice > 0 ? "tpslOrder" : "",
    orderIv: "",
    marketUnit: o.type === "MARKET" ? "baseCoin" : "",
    triggerPrice: o.stopPrice > 0 ? dec(o.stopPrice) : "0",
    takeProfit: "0",
    stopLoss: "0",
    tpTriggerBy: "",
    slTriggerBy: "",
    triggerDirection: o.stopPrice > 0 ? ((o.type === "STOP_LOSS") === (o.side === "SELL") ? 2 : 1) : 0,
    triggerBy: "",
    lastPriceOnCreated: "",
    reduceOnly: false,
    closeOnTrigger: false,
    placeType: "",
    smpType: "None",
    smpGroup: 0,
    smpOrderId: "",
    createdTime: String(o.time),
    updatedTime: String(o.updateTime),
  };
};

/** An execution as Bybit's REST API (and its private "execution" topic) writes it. */
export const bybitExecutionJson = (book: VenueBook, t: FakeTrade) => {
  const o = book.engine.orders.find((x) => x.orderId === t.orderId)!;
  return {
    symbol: book.instIdOfOrder(t),
    orderId: String(t.orderId),
    orderLinkId: o.clientOrderId,
    side: t.isBuyer ? "Buy" : "Sell",
    orderPrice: o.type === "LIMIT" ? dec(o.price) : "0",
    orderQty: dec(o.origQty),
    leavesQty: dec(o.origQty - o.executedQty),
    orderType: o.type === "LIMIT" ? "Limit" : "Market",
    stopOrderType: "",
    execFee: dec(t.commission),
    feeCurrency: t.commissionAsset,
    execId: String(t.id),
    execPrice: dec(t.price),
    execQty: dec(t.qty),
    execType: "Trade",
    execValue: dec(t.quoteQty),
    execTime: String(t.time),
    isMaker: t.isMaker,
    feeRate: "0.001",
    tradeIv: "",
    markIv: "",
    markPrice: "",
    indexPrice: "",
    underlyingPrice: "",
    blockTradeId: "",
    closedSize: "",
    seq: t.id,
  };
};

const byFilters = (q: URLSearchParams, s: FakeSymbol | undefined) => (o: FakeOrder) =>
  (s === undefined || o.symbol === s.symbol) && (q.get("orderId") === null || String(o.orderId) === q.get("orderId")) && (q.get("orderLinkId") === null || o.clientOrderId === q.get("orderLinkId"));

function engineReject(e: BinanceReject, req: VenueRequest): VenueReply {
  const r = (code: number, msg: string) => reject(code, msg, 200);
  switch (e.code) {
    case -2010:
      return /insufficient/i.test(e.message) ? r(170131, "Insufficient balance.") : r(170141, "Duplicate clientOrderId.");
    case -2011:
    case -2013:
      return req.path.endsWith("/cancel") ? r(170213, "Order does not exist.") : r(110001, "Order does not exist.");
    case -1013:
      return /NOTIONAL/.test(e.message) ? r(170140, "Order value exceeded lower limit.") : /LOT_SIZE/.test(e.message) ? r(170136, "Order quantity is lower than the lower limit.") : r(170134, "Order price decimal too long.");
    default:
      return r(10001, `params error: ${e.message}`);
  }
}

export const bybitDialect: VenueDialect = {
  id: "bybit",
  needsPassphrase: false,
  makeSecret: () => ({ secret: randomBytes(18).toString("base64url") }),
  makeApiKey: () => randomBytes(9).toString("base64url"),
  authenticate(req, keys) {
    const apiKey = header(req, "X-BAPI-API-KEY");
    if (!apiKey) throw reject(10007, "api_key not found in your request parameters");
    const key = keys.get(apiKey);
    if (!key) throw reject(10003, "API key is invalid.");
    const timestamp = header(req, "X-BAPI-TIMESTAMP") ?? "";
    const recvWindow = header(req, "X-BAPI-RECV-WINDOW") ?? "5000";
    if (!(Math.abs(req.now - Number(timestamp)) <= Number(recvWindow))) throw reject(10002, "invalid request, please check your server timestamp or recv_window param");
    const payload = timestamp + apiKey + recvWindow + (req.method === "GET" ? req.rawQuery : req.body);
    if (!sameSignature(header(req, "X-BAPI-SIGN"), hmacSha256(key.secret, payload, "hex"))) throw reject(10004, "error sign! origin_string[...]");
    return key;
  },
  routes: {
    "GET /v5/user/query-api": (key) => ({
      retCode: 0,
      retMsg: "",
      result: {
        id: "13770661",
        note: "keyflow",
        apiKey: key.apiKey,
        readOnly: key.trade ? 0 : 1,
        secret: "",
        permissions: {
          ContractTrade: [],
          Spot: key.trade ? ["SpotTrade"] : [],
          Wallet: key.withdraw ? ["AccountTransfer", "Withdraw"] : ["AccountTransfer"],
          Options: [],
          Derivatives: [],
          Exchange: [],
          Earn: [],
          BlockTrade: [],
          Affiliate: [],
          NFT: [],
        },
        ips: key.ipWhitelist ? ["127.0.0.1"] : ["*"],
        type: 1,
        deadlineDay: key.ipWhitelist ? -1 : 89,
        expiredAt: "",
        createdAt: "2026-01-05T08:00:00Z",
        uta: 1,
        userID: 24617703,
        inviterID: 0,
        vipLevel: "No VIP",
        mktMakerLevel: "0",
        affiliateID: 0,
        rsaPublicKey: "",
        isMaster: true,
        parentUid: "0",
        kycLevel: "LEVEL_DEFAULT",
        kycRegion: "",
      },
      retExtInfo: {},
      time: Date.now(),
    }),
    "GET /v5/account/info": () =>
      ok({ unifiedMarginStatus: 6, marginMode: "REGULAR_MARGIN", isMasterTrader: false, spotHedgingStatus: "OFF", updatedTime: "1735689600000", dcpStatus: "OFF", timeWindow: 10, smpGroup: 0 }),
    "GET /v5/asset/coin/query-info": (_key, _req, book) =>
      ok({
        rows: [...book.engine.balances.keys()].map((coin) => ({
          name: coin,
          coin,
          remainAmount: "1000000",
          chains: [{ chainType: coin, confirmation: "6", withdrawFee: "0.0005", depositMin: "0", withdrawMin: "0.001", chain: coin, chainDeposit: "1", chainWithdraw: "1", minAccuracy: "8", withdrawPercentageFee: "0" }],
        })),
      }),
    "GET /v5/account/wallet-balance": (_key, req, book) => {
      if (queryOf(req).get("accountType") !== "UNIFIED") throw reject(10001, "accountType only support UNIFIED.", 200);
      return ok({
        list: [
          {
            accountType: "UNIFIED",
            accountIMRate: "0",
            accountMMRate: "0",
            totalEquity: "0",
            totalWalletBalance: "0",
            totalAvailableBalance: "0",
            coin: [...book.engine.balances.entries()].map(([coin, b]) => ({
              coin,
              equity: dec(b.free + b.locked),
              usdValue: "0",
              walletBalance: dec(b.free + b.locked),
              locked: dec(b.locked),
              availableToWithdraw: "",
              borrowAmount: "",
              accruedInterest: "",
              totalOrderIM: "0",
              totalPositionIM: "0",
              unrealisedPnl: "0",
              cumRealisedPnl: "0",
              marginCollateral: true,
              collateralSwitch: true,
            })),
          },
        ],
      });
    },
    "POST /v5/order/create": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["category"], b["symbol"]);
      const side = b["side"] === "Buy" ? "buy" : b["side"] === "Sell" ? "sell" : undefined;
      const type = b["orderType"] === "Market" ? "market" : b["orderType"] === "Limit" ? "limit" : undefined;
      if (!side || !type) throw reject(10001, "params error: side or orderType invalid", 200);
      const link = b["orderLinkId"];
      if (link !== undefined && !/^[A-Za-z0-9_-]{1,36}$/.test(link)) throw reject(10001, "params error: orderLinkId invalid", 200);
      let qty = b["qty"];
      // A spot market buy's qty is what to spend unless marketUnit says baseCoin; the engine takes a base amount.
      const inQuote = type === "market" && (b["marketUnit"] === "quoteCoin" || (b["marketUnit"] === undefined && side === "buy"));
      if (inQuote && qty !== undefined) qty = dec(Math.floor(Number(qty) / book.lastPrice(s) / s.stepSize) * s.stepSize);
      // A spot TP/SL order (orderFilter tpslOrder, as ccxt sends a stopLossPrice / takeProfitPrice): a
      // market order that waits for its trigger price; triggerDirection 2 = when the price falls to it.
      if (b["orderFilter"] === "tpslOrder" && b["triggerPrice"] !== undefined && type === "market") {
        const falls = String(b["triggerDirection"]) === "2";
        const stopType = falls === (side === "sell") ? "STOP_LOSS" : "TAKE_PROFIT";
        const o = book.engine.placeOrder({ symbol: s.symbol, side: side === "buy" ? "BUY" : "SELL", type: stopType, quantity: qty, price: undefined, timeInForce: undefined, newClientOrderId: link, stopPrice: b["triggerPrice"] }, book.fillScripts);
        return ok({ orderId: String(o.orderId), orderLinkId: o.clientOrderId });
      }
      const o = book.place(s, side, type, qty, type === "limit" ? b["price"] : undefined, link);
      return ok({ orderId: String(o.orderId), orderLinkId: o.clientOrderId });
    },
    "POST /v5/order/cancel": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["category"], b["symbol"]);
      if (!b["orderId"] && !b["orderLinkId"]) throw reject(10001, "params error: orderId or orderLinkId is required", 200);
      const o = book.cancel(s, b["orderId"], b["orderLinkId"]);
      return ok({ orderId: String(o.orderId), orderLinkId: o.clientOrderId });
    },
    // Amends a working order where it rests: same orderId and orderLinkId, new price, qty or triggerPrice.
    "POST /v5/order/amend": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["category"], b["symbol"]);
      if (!b["orderId"] && !b["orderLinkId"]) throw reject(10001, "params error: orderId or orderLinkId is required", 200);
      if (b["qty"] === undefined && b["price"] === undefined && b["triggerPrice"] === undefined) throw reject(10001, "params error: nothing to amend", 200);
      const o = book.engine.amendInPlace(s.symbol, { orderId: b["orderId"], clientOrderId: b["orderLinkId"] }, { price: b["price"], stopPrice: b["triggerPrice"], quantity: b["qty"] });
      return ok({ orderId: String(o.orderId), orderLinkId: o.clientOrderId });
    },
    "GET /v5/order/realtime": (_key, req, book) => {
      const q = queryOf(req);
      const s = q.get("symbol") === null ? undefined : instrument(book, q.get("category"), q.get("symbol"));
      const list = book.engine.orders.filter((o) => (o.status === "NEW" || o.status === "PARTIALLY_FILLED") && byFilters(q, s)(o));
      return ok({ category: "spot", list: list.reverse().map((o) => bybitOrderJson(book, o)), nextPageCursor: "" });
    },
    "GET /v5/order/history": (_key, req, book) => {
      const q = queryOf(req);
      const s = q.get("symbol") === null ? undefined : instrument(book, q.get("category"), q.get("symbol"));
      const status = q.get("orderStatus");
      const list = book.engine.orders.filter((o) => o.status !== "NEW" && o.status !== "PARTIALLY_FILLED" && byFilters(q, s)(o) && (status === null || STATUS[o.status] === status));
      return ok({ category: "spot", list: list.reverse().slice(0, Math.min(Number(q.get("limit") ?? 20), 50)).map((o) => bybitOrderJson(book, o)), nextPageCursor: "" });
    },
    "GET /v5/execution/list": (_key, req, book) => {
      const q = queryOf(req);
      const s = q.get("symbol") === null ? undefined : instrument(book, q.get("category"), q.get("symbol"));
      const start = Number(q.get("startTime") ?? -Infinity);
      const list = book.engine.trades.filter((t) => (s === undefined || t.symbol === s.symbol) && t.time >= start && (q.get("orderId") === null || String(t.orderId) === q.get("orderId")));
      return ok({ category: "spot", list: list.reverse().slice(0, Math.min(Number(q.get("limit") ?? 50), 100)).map((t) => bybitExecutionJson(book, t)), nextPageCursor: "" });
    },
  },
  instId: (s) => s.symbol,
  engineReject,
  publicRoutes: {
    "GET /v5/market/time": () => {
      const now = Date.now();
      return ok({ timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` });
    },
    "GET /v5/market/instruments-info": (req, book) => {
      const category = queryOf(req).get("category") ?? "";
      if (category !== "spot") return ok({ category, list: [], nextPageCursor: "" });
      return ok({
        category,
        list: book.symbols.map((s) => ({
          symbol: book.instId(s),
          baseCoin: s.baseAsset,
          quoteCoin: s.quoteAsset,
          innovation: "0",
          status: "Trading",
          marginTrading: "none",
          stTag: "0",
          lotSizeFilter: { basePrecision: dec(s.stepSize), quotePrecision: "0.00000001", minOrderQty: dec(s.minQty), maxOrderQty: dec(s.maxQty), minOrderAmt: dec(s.minNotional), maxOrderAmt: "2000000" },
          priceFilter: { tickSize: dec(s.tickSize) },
          riskParameters: { priceLimitRatioX: "0.05", priceLimitRatioY: "0.05" },
        })),
      });
    },
    "GET /v5/market/kline": (req, book) => {
      const q = queryOf(req);
      const s = instrument(book, q.get("category"), q.get("symbol"));
      if (q.get("interval") !== BYBIT_INTERVAL[book.interval]) throw reject(10001, "params error: interval invalid", 200);
      const start = Number(q.get("start") ?? -Infinity);
      const end = Number(q.get("end") ?? Infinity);
      const limit = Math.min(Number(q.get("limit") ?? 200), 1000);
      // Newest first: the latest `limit` candles in [start, end].
      const rows = book.engine.closedCandles(s.symbol).filter((c) => c[0] >= start && c[0] <= end);
      return ok({
        category: "spot",
        symbol: book.instId(s),
        list: rows
          .slice(-limit)
          .reverse()
          .map((c) => [String(c[0]), dec(c[1]), dec(c[2]), dec(c[3]), dec(c[4]), dec(c[5]), dec(c[5] * c[4])]),
      });
    },
  },
  ws: attachBybitWs,
  notFound: (req) => reject(10001, `fake bybit: no route for ${req.method} ${req.path}`, 404),
};
