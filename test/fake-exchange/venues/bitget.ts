// Bitget v2: ACCESS-KEY / -PASSPHRASE / -TIMESTAMP / -SIGN = base64 HMAC-SHA256 of
// timestamp + METHOD + path + ("?" + query) + body. Errors are {code, msg, requestTime, data}.
// Spot trading of a classic (not unified) account as ccxt's bitget class calls it (read in ccxt's
// bitget.js): v3 account/settings refused (not UTA), public symbols (precisions as decimal places),
// margin currencies (none), coins, candles and history-candles (oldest first, the latest `limit` in
// [startTime, endTime)), account/assets, place-order (a market BUY's size is the quote to spend,
// planType "total"), cancel-order, orderInfo, unfilled-orders, history-orders and fills. Stops are plan
// orders (bitgetPlan.ts), which these ordinary endpoints see only once triggered, as the market order
// they became. Its websocket side (candles, login, orders) is bitgetWs.ts.
import { randomBytes } from "node:crypto";
import type { BinanceReject } from "../engine";
import type { FakeOrder, FakeSymbol, FakeTrade, OrderStatus } from "../types";
import { averagePrice, commissionOf, dec, jsonOf, queryOf, type VenueBook } from "./book";
import { hmacSha256, sameSignature } from "./hmac";
import { attachBitgetWs } from "./bitgetWs";
import { bitgetPlanRoutes } from "./bitgetPlan";
import { isAlgo as isPlan, ordinary } from "./okxAlgo";
import { header, VenueReply, type VenueDialect, type VenueKey, type VenueRequest } from "./types";

const reject = (code: string, msg: string, status = 400) => new VenueReply(status, { code, msg, requestTime: Date.now(), data: null });
const ok = (data: unknown) => ({ code: "00000", msg: "success", requestTime: Date.now(), data });

const GRANULARITY: Record<string, string> = { "1m": "1min", "5m": "5min", "15m": "15min", "1h": "1h", "4h": "4h", "1d": "1Dutc" };
const STATUS: Record<OrderStatus, string> = { NEW: "live", PARTIALLY_FILLED: "partially_filled", FILLED: "filled", CANCELED: "cancelled", EXPIRED: "cancelled" };
/** Decimal places of a step (0.00001 → "5"), as Bitget writes pricePrecision and quantityPrecision. */
const places = (step: number) => String(Math.max(0, Math.round(-Math.log10(step))));

/** The quote a market buy was sent to spend (its size), by order. */
const quoteSizes = new WeakMap<FakeOrder, string>();

function instrument(book: VenueBook, id: string | null | undefined): FakeSymbol {
  const s = book.symbolOf(id ?? undefined);
  if (!s) throw reject("40034", "Parameter symbol does not exist");
  return s;
}

function mayTrade(key: VenueKey): void {
  if (!key.trade) throw reject("40014", "Incorrect permissions", 403);
}

/** An order as Bitget's REST answers carry it (the websocket side adds the fill it reports). */
export const bitgetOrderJson = (book: VenueBook, o: FakeOrder) => {
  const s = book.engine.market(o.symbol);
  const { fee, asset } = commissionOf(o, s);
  const marketBuy = o.type === "MARKET" && o.side === "BUY";
  return {
    userId: "8312233001",
    symbol: book.instId(s),
    orderId: String(o.orderId),
    // The market order a plan became carries no client id of its own.
    clientOid: isPlan(o) ? "" : o.clientOrderId,
    price: o.type === "LIMIT" ? dec(o.price) : "0",
    // A market buy's size is the quote it was sent to spend.
    size: marketBuy ? (quoteSizes.get(o) ?? "0") : dec(o.origQty),
    orderType: o.type === "LIMIT" ? "limit" : "market",
    side: o.side === "BUY" ? "buy" : "sell",
    status: STATUS[o.status],
    priceAvg: o.executedQty > 0 ? dec(averagePrice(o)) : "0",
    baseVolume: dec(o.executedQty),
    quoteVolume: dec(o.cummulativeQuoteQty),
    enterPointSource: "API",
    feeDetail: JSON.stringify(fee > 0 ? { newFees: { c: 0, d: 0, deduction: false, r: -fee, t: -fee, totalDeductionFee: 0 }, [asset]: { deduction: false, feeCoinCode: asset, totalDeductionFee: 0, totalFee: -fee } } : {}),
    orderSource: o.type === "LIMIT" ? "normal" : "market",
    tpslType: "normal",
    cancelReason: "",
    cTime: String(o.time),
    uTime: String(o.updateTime),
  };
};

const fillJson = (book: VenueBook, t: FakeTrade) => {
  const o = book.engine.orders.find((x) => x.orderId === t.orderId)!;
  return {
    userId: "8312233001",
    symbol: book.instIdOfOrder(t),
    orderId: String(t.orderId),
    tradeId: String(t.id),
    orderType: o.type === "LIMIT" ? "limit" : "market",
    side: t.isBuyer ? "buy" : "sell",
    priceAvg: dec(t.price),
    size: dec(t.qty),
    amount: dec(t.quoteQty),
    feeDetail: { deduction: "no", feeCoin: t.commissionAsset, totalDeductionFee: "0", totalFee: t.commission > 0 ? `-${dec(t.commission)}` : "0" },
    tradeScope: t.isMaker ? "maker" : "taker",
    cTime: String(t.time),
    uTime: String(t.time),
  };
};

function ordersOf(book: VenueBook, req: VenueRequest, open: boolean) {
  const q = queryOf(req);
  const s = q.get("symbol") === null ? undefined : instrument(book, q.get("symbol"));
  const start = Number(q.get("startTime") ?? -Infinity);
  const isOpen = (o: FakeOrder) => o.status === "NEW" || o.status === "PARTIALLY_FILLED";
  return book.engine.orders
    .filter((o) => ordinary(o) && (s === undefined || o.symbol === s.symbol) && isOpen(o) === open && o.time >= start && (q.get("orderId") === null || String(o.orderId) === q.get("orderId")))
    .reverse()
    .slice(0, Math.min(Number(q.get("limit") ?? 100), 100))
    .map((o) => bitgetOrderJson(book, o));
}

function candles(max: number) {
  return (req: VenueRequest, book: VenueBook) => {
    const q = queryOf(req);
    const s = instrument(book, q.get("symbol"));
    if (q.get("granularity") !== GRANULARITY[book.interval]) throw reject("400172", "Parameter verification failed: granularity");
    const start = Number(q.get("startTime") ?? -Infinity);
    const end = Number(q.get("endTime") ?? Infinity);
    const limit = Math.min(Number(q.get("limit") ?? 100), max);
    // Oldest first: the latest `limit` candles in [startTime, endTime) (ccxt asks for since + limit × the
    // timeframe as the end); [ts, open, high, low, close, baseVolume, usdtVolume, quoteVolume].
    return ok(
      book.engine
        .closedCandles(s.symbol)
        .filter((c) => c[0] >= start && c[0] < end)
        .slice(-limit)
        .map((c) => [String(c[0]), dec(c[1]), dec(c[2]), dec(c[3]), dec(c[4]), dec(c[5]), dec(c[5] * c[4]), dec(c[5] * c[4])]),
    );
  };
}

function engineReject(e: BinanceReject, req: VenueRequest): VenueReply {
  switch (e.code) {
    case -2010:
      return /insufficient/i.test(e.message) ? reject("43012", "Insufficient balance") : reject("43116", "Duplicate clientOid");
    case -2011:
    case -2013:
      return req.path.endsWith("/cancel-order") ? reject("43001", "The order does not exist") : reject("40109", "The data of the order cannot be found, please confirm the order number");
    case -1013:
      return /NOTIONAL/.test(e.message) ? reject("45110", "less than the minimum amount 5 USDT") : reject("40808", `Parameter verification exception: ${e.message}`);
    default:
      return reject("40808", `Parameter verification exception: ${e.message}`);
  }
}

export const bitgetDialect: VenueDialect = {
  id: "bitget",
  needsPassphrase: true,
  makeSecret: () => ({ secret: randomBytes(32).toString("hex") }),
  makeApiKey: () => `bg_${randomBytes(16).toString("hex")}`,
  authenticate(req, keys) {
    const apiKey = header(req, "ACCESS-KEY");
    if (!apiKey) throw reject("40001", "ACCESS_KEY cannot be empty");
    const key = keys.get(apiKey);
    if (!key) throw reject("40006", "Invalid ACCESS_KEY");
    const timestamp = header(req, "ACCESS-TIMESTAMP") ?? "";
    if (!(Math.abs(req.now - Number(timestamp)) <= 30_000)) throw reject("40008", "Request timestamp expired");
    const target = req.path + (req.rawQuery ? `?${decodeURIComponent(req.rawQuery)}` : "");
    if (!sameSignature(header(req, "ACCESS-SIGN"), hmacSha256(key.secret, timestamp + req.method + target + req.body, "base64"))) throw reject("40009", "sign signature error");
    if (header(req, "ACCESS-PASSPHRASE") !== key.passphrase) throw reject("40012", "apikey/password is incorrect");
    return key;
  },
  routes: {
    // A classic account: the unified-account settings are refused (ccxt then uses the v2 spot endpoints).
    "GET /api/v3/account/settings": () => {
      throw reject("40084", "You are in Classic Account mode, and this endpoint is only for Unified Account mode");
    },
    "GET /api/v2/spot/account/assets": (_key, _req, book) =>
      ok([...book.engine.balances.entries()].map(([coin, b]) => ({ coin, available: dec(b.free), frozen: dec(b.locked), locked: "0", limitAvailable: "0", uTime: String(Date.now()) }))),
    "POST /api/v2/spot/trade/place-order": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["symbol"]);
      const side = b["side"];
      const type = b["orderType"];
      if ((side !== "buy" && side !== "sell") || (type !== "market" && type !== "limit")) throw reject("40808", "Parameter verification exception: side or orderType");
      const clientOid = b["clientOid"];
      if (clientOid !== undefined && !/^[A-Za-z0-9_-]{1,50}$/.test(clientOid)) throw reject("40808", "Parameter verification exception: clientOid");
      let size = b["size"];
      // A spot market buy's size is what to spend (in the quote); the engine takes a base amount.
      const quote = type === "market" && side === "buy" ? size : undefined;
      if (quote !== undefined) {
        const cost = Number(quote);
        if (!(cost >= s.minNotional)) throw reject("45110", `less than the minimum amount ${dec(s.minNotional)} ${s.quoteAsset}`);
        size = dec(Math.floor(cost / book.lastPrice(s) / s.stepSize + 1e-9) * s.stepSize);
      }
      const o = book.place(s, side, type, size, type === "limit" ? b["price"] : undefined, clientOid);
      if (quote !== undefined) quoteSizes.set(o, quote);
      return ok({ orderId: String(o.orderId), clientOid: o.clientOrderId });
    },
    "POST /api/v2/spot/trade/cancel-order": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, b["symbol"]);
      // A plan order is not an ordinary order: cancel-order does not know it (nor, by client id, the order it became).
      const o = book.engine.orders.filter((x) => x.symbol === s.symbol && ordinary(x) && (!b["orderId"] || String(x.orderId) === b["orderId"]) && (!b["clientOid"] || (!isPlan(x) && x.clientOrderId === b["clientOid"]))).at(-1);
      if (!o || (!b["orderId"] && !b["clientOid"])) throw reject("43001", "The order does not exist");
      book.cancel(s, String(o.orderId), undefined);
      return ok({ orderId: String(o.orderId), clientOid: o.clientOrderId });
    },
    "GET /api/v2/spot/trade/orderInfo": (_key, req, book) => {
      const q = queryOf(req);
      const o = book.engine.orders.filter((x) => ordinary(x) && (q.get("clientOid") === null || !isPlan(x)) && (q.get("orderId") === null || String(x.orderId) === q.get("orderId")) && (q.get("clientOid") === null || x.clientOrderId === q.get("clientOid"))).at(-1);
      return ok(o ? [bitgetOrderJson(book, o)] : []);
    },
    "GET /api/v2/spot/trade/unfilled-orders": (_key, req, book) => ok(ordersOf(book, req, true)),
    "GET /api/v2/spot/trade/history-orders": (_key, req, book) => ok(ordersOf(book, req, false)),
    "GET /api/v2/spot/trade/fills": (_key, req, book) => {
      const q = queryOf(req);
      const s = instrument(book, q.get("symbol"));
      const start = Number(q.get("startTime") ?? -Infinity);
      return ok(
        book.engine.trades
          .filter((t) => t.symbol === s.symbol && t.time >= start && (q.get("orderId") === null || String(t.orderId) === q.get("orderId")))
          .reverse()
          .slice(0, Math.min(Number(q.get("limit") ?? 100), 100))
          .map((t) => fillJson(book, t)),
      );
    },
    "GET /api/v2/spot/account/info": (key) => ({
      code: "00000",
      msg: "success",
      requestTime: Date.now(),
      data: {
        userId: "8312233001",
        inviterId: "0",
        ips: key.ipWhitelist ? "127.0.0.1" : "",
        authorities: [key.trade ? "stow" : "stor", "coor", ...(key.withdraw ? ["wwow"] : []), "wtor"],
        parentId: 8312233001,
        traderType: "not_trader",
        channelCode: "",
        channel: "",
        regisTime: "1700000000000",
      },
    }),
    ...bitgetPlanRoutes({ instrument, mayTrade, reject, ok }),
  },
  instId: (s) => s.symbol,
  engineReject,
  publicRoutes: {
    "GET /api/v2/public/time": () => ok({ serverTime: String(Date.now()) }),
    "GET /api/v2/spot/public/symbols": (_req, book) =>
      ok(
        book.symbols.map((s) => ({
          symbol: book.instId(s),
          baseCoin: s.baseAsset,
          quoteCoin: s.quoteAsset,
          minTradeAmount: dec(s.minQty),
          maxTradeAmount: dec(s.maxQty),
          takerFeeRate: "0.001",
          makerFeeRate: "0.001",
          pricePrecision: places(s.tickSize),
          quantityPrecision: places(s.stepSize),
          quotePrecision: "8",
          status: "online",
          minTradeUSDT: dec(s.minNotional),
          buyLimitPriceRatio: "0.05",
          sellLimitPriceRatio: "0.05",
          areaSymbol: "no",
          orderQuantity: "200",
          openTime: "1532454360000",
        })),
      ),
    "GET /api/v2/margin/currencies": () => ok([]),
    "GET /api/v2/spot/public/coins": (_req, book) =>
      ok(
        [...new Set(book.symbols.flatMap((s) => [s.baseAsset, s.quoteAsset]))].map((coin, i) => ({
          coinId: String(i + 1),
          coin,
          transfer: "true",
          chains: [{ chain: coin, needTag: "false", withdrawable: "true", rechargeable: "true", withdrawFee: "0.0005", extraWithdrawFee: "0", depositConfirm: "1", withdrawConfirm: "1", minDepositAmount: "0.0001", minWithdrawAmount: "0.001", browserUrl: "", contractAddress: "", withdrawStep: "0", withdrawMinScale: "8", congestion: "normal" }],
          areaCoin: "no",
        })),
      ),
    "GET /api/v2/spot/market/candles": candles(1000),
    "GET /api/v2/spot/market/history-candles": candles(200),
  },
  notFound: (req) => reject("40404", `fake bitget: no route for ${req.method} ${req.path}`, 404),
  ws: attachBitgetWs,
};
