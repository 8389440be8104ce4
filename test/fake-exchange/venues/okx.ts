// OKX v5: OK-ACCESS-KEY / -PASSPHRASE / -TIMESTAMP (ISO 8601) / -SIGN = base64 HMAC-SHA256 of
// timestamp + METHOD + path with query + body. Errors are {code, msg, data} with OKX's codes.
// Spot trading as ccxt's okx class calls it (read in ccxt's okx.ts): instruments, candles and
// history-candles (newest first), the trading account's balance, batch-orders / order, cancel-order,
// amend-order (in place: same ordId and clOrdId), orders-pending / orders-history / order, fills-history. An order's failure is code "1" with the
// reason in data[0].sCode / sMsg (HTTP 200), as OKX answers it. Stops are algo orders (okxAlgo.ts); the
// websocket side (candles, order updates, login, ping/pong) is okxWs.ts.
import { randomBytes, randomUUID } from "node:crypto";
import { BinanceReject } from "../engine";
import type { FakeOrder, FakeSymbol, FakeTrade, OrderStatus } from "../types";
import { averagePrice, commissionOf, dec, jsonOf, queryOf, type VenueBook } from "./book";
import { hmacSha256, sameSignature } from "./hmac";
import { isAlgo, okxAlgoId, okxAlgoRoutes, ordinary } from "./okxAlgo";
import { okxWs } from "./okxWs";
import { header, VenueReply, type VenueDialect, type VenueKey, type VenueRequest } from "./types";

const reject = (code: string, msg: string, status = 401) => new VenueReply(status, { code, msg, data: [] });
const ok = (data: unknown[]) => ({ code: "0", msg: "", data });
/** An operation that failed: OKX puts the reason in the data entry and answers HTTP 200. */
const failed = (sCode: string, sMsg: string, entry: Record<string, string> = {}) => new VenueReply(200, { code: "1", msg: "All operations failed", data: [{ ...entry, sCode, sMsg }] });

const BAR: Record<string, string> = { "1m": "1m", "5m": "5m", "15m": "15m", "1h": "1H", "4h": "4H", "1d": "1Dutc" };
const STATE: Record<OrderStatus, string> = { NEW: "live", PARTIALLY_FILLED: "partially_filled", FILLED: "filled", CANCELED: "canceled", EXPIRED: "canceled" };

function instrument(book: VenueBook, id: string | null | undefined): FakeSymbol {
  const s = book.symbolOf(id ?? undefined);
  if (!s) throw failed("51001", "Instrument ID does not exist.");
  return s;
}

function mayTrade(key: VenueKey): void {
  // Not pinned by any test (Keyflow never trades with a read-only key): OKX's answer to a key without the trade right.
  if (!key.trade) throw reject("50120", "API key doesn't have permission to perform this operation.", 403);
}

export const orderJson = (book: VenueBook, o: FakeOrder) => {
  const s = book.engine.market(o.symbol);
  const { fee, asset } = commissionOf(o, s);
  const last = o.trades[o.trades.length - 1];
  return {
    instType: "SPOT",
    instId: book.instId(s),
    ccy: "",
    ordId: String(o.orderId),
    // A triggered algo order: its own ordId, no clOrdId, and the algo it came from.
    clOrdId: isAlgo(o) ? "" : o.clientOrderId,
    algoId: isAlgo(o) ? okxAlgoId(o) : "",
    algoClOrdId: isAlgo(o) ? o.clientOrderId : "",
    tag: "",
    px: o.type === "LIMIT" ? dec(o.price) : "",
    sz: dec(o.origQty),
    pnl: "0",
    ordType: o.type === "LIMIT" ? "limit" : "market",
    side: o.side === "BUY" ? "buy" : "sell",
    posSide: "net",
    tdMode: "cash",
    accFillSz: dec(o.executedQty),
    fillPx: last ? dec(last.price) : "",
    tradeId: last ? String(last.id) : "",
    fillSz: last ? dec(last.qty) : "0",
    fillTime: last ? String(last.time) : "",
    avgPx: o.executedQty > 0 ? dec(averagePrice(o)) : "",
    state: STATE[o.status],
    lever: "",
    tpTriggerPx: "",
    tpOrdPx: "",
    slTriggerPx: "",
    slOrdPx: "",
    feeCcy: asset,
    fee: fee > 0 ? `-${dec(fee)}` : "0",
    rebateCcy: s.quoteAsset,
    rebate: "0",
    tgtCcy: "base_ccy",
    category: "normal",
    reduceOnly: "false",
    cancelSource: "",
    uTime: String(o.updateTime),
    cTime: String(o.time),
  };
};

const fillJson = (book: VenueBook, t: FakeTrade) => {
  const o = book.engine.orders.find((x) => x.orderId === t.orderId)!;
  return {
    instType: "SPOT",
    instId: book.instIdOfOrder(t),
    tradeId: String(t.id),
    ordId: String(t.orderId),
    clOrdId: isAlgo(o) ? "" : o.clientOrderId,
    billId: String(t.id * 10),
    tag: "",
    fillPx: dec(t.price),
    fillSz: dec(t.qty),
    fillIdxPx: "",
    fillPnl: "0",
    side: t.isBuyer ? "buy" : "sell",
    posSide: "net",
    execType: t.isMaker ? "M" : "T",
    feeCcy: t.commissionAsset,
    fee: t.commission > 0 ? `-${dec(t.commission)}` : "0",
    ts: String(t.time),
    fillTime: String(t.time),
  };
};

/**
 * The ordinary order (not an untriggered algo) of a symbol by ordId or clOrdId, the most recent first;
 * BinanceReject -2013 when none. A triggered algo is found by its ordId only (its clOrdId is empty).
 */
function findOrdinary(book: VenueBook, s: FakeSymbol, ordId: string | undefined, clOrdId: string | undefined): FakeOrder {
  if (!ordId && !clOrdId) throw failed("51000", "Parameter ordId error");
  for (let i = book.engine.orders.length - 1; i >= 0; i--) {
    const o = book.engine.orders[i]!;
    if (o.symbol !== s.symbol || !ordinary(o)) continue;
    if (ordId && String(o.orderId) !== ordId) continue;
    if (clOrdId && (isAlgo(o) || o.clientOrderId !== clOrdId)) continue;
    return o;
  }
  throw new BinanceReject(-2013, "Order does not exist.");
}

/** One order of a batch-orders or order request. */
function placeOne(book: VenueBook, req: Record<string, unknown>): { clOrdId: string; ordId: string; tag: string; ts: string; sCode: string; sMsg: string } {
  const str = (k: string) => (typeof req[k] === "string" ? (req[k] as string) : undefined);
  const s = instrument(book, str("instId"));
  const clOrdId = str("clOrdId");
  if (str("tdMode") !== "cash") throw failed("51000", "Parameter tdMode error", { clOrdId: clOrdId ?? "", ordId: "" });
  const side = str("side");
  const ordType = str("ordType");
  if ((side !== "buy" && side !== "sell") || (ordType !== "market" && ordType !== "limit")) throw failed("51000", "Parameter ordType error", { clOrdId: clOrdId ?? "", ordId: "" });
  let sz = str("sz");
  // tgtCcy quote_ccy: a market buy's sz is what to spend; the engine takes a base amount.
  if (ordType === "market" && side === "buy" && str("tgtCcy") === "quote_ccy" && sz !== undefined) {
    const step = s.stepSize;
    sz = dec(Math.floor(Number(sz) / book.lastPrice(s) / step) * step);
  }
  if (clOrdId !== undefined && !/^[A-Za-z0-9]{1,32}$/.test(clOrdId)) throw failed("51000", "Parameter clOrdId error", { clOrdId, ordId: "" });
  const o = book.place(s, side, ordType, sz, str("px"), clOrdId);
  return { clOrdId: o.clientOrderId, ordId: String(o.orderId), tag: "", ts: String(o.time), sCode: "0", sMsg: "Order placed" };
}

function ordersOf(book: VenueBook, q: URLSearchParams, open: boolean): unknown[] {
  const instType = q.get("instType");
  if (!open && instType !== "SPOT") return [];
  const s = q.get("instId") === null ? undefined : instrument(book, q.get("instId"));
  const state = q.get("state");
  return book.engine.orders
    .filter((o) => ordinary(o) && (s === undefined || o.symbol === s.symbol) && (open ? o.status === "NEW" || o.status === "PARTIALLY_FILLED" : o.status !== "NEW" && o.status !== "PARTIALLY_FILLED"))
    .filter((o) => state === null || STATE[o.status] === state)
    .reverse()
    .slice(0, Math.min(Number(q.get("limit") ?? 100), 100))
    .map((o) => orderJson(book, o));
}

function candles(req: VenueRequest, book: VenueBook) {
  const q = queryOf(req);
  const s = instrument(book, q.get("instId"));
  if (q.get("bar") !== BAR[book.interval]) throw failed("51000", "Parameter bar error");
  const limit = Math.min(Number(q.get("limit") ?? 100), 300);
  const after = q.get("after") === null ? Infinity : Number(q.get("after"));
  const before = q.get("before") === null ? -Infinity : Number(q.get("before"));
  // "after": records earlier than this ts; "before": newer than it. Newest first, at most `limit`.
  const rows = book.engine.closedCandles(s.symbol).filter((c) => c[0] < after && c[0] > before);
  return ok(
    rows
      .slice(-limit)
      .reverse()
      .map((c) => [String(c[0]), dec(c[1]), dec(c[2]), dec(c[3]), dec(c[4]), dec(c[5]), dec(c[5]), dec(c[5] * c[4]), "1"]),
  );
}

function engineReject(e: BinanceReject, req: VenueRequest): VenueReply {
  const cancel = req.path.endsWith("/cancel-order");
  switch (e.code) {
    case -2010:
      return /insufficient/i.test(e.message) ? failed("51008", "Order failed. Insufficient balance.") : failed("51016", "Duplicated clOrdId");
    case -2011:
    case -2013:
      return cancel ? failed("51400", "Order cancellation failed as the order has been filled, canceled or does not exist.") : reject("51603", "Order does not exist", 200);
    case -1121:
      return failed("51001", "Instrument ID does not exist.");
    case -1013:
      return /NOTIONAL|LOT_SIZE/.test(e.message) ? failed("51020", "Order amount should be greater than the min available amount.") : failed("51000", "Parameter px error");
    default:
      return failed("51000", `Parameter error: ${e.message}`);
  }
}

export const okxDialect: VenueDialect = {
  id: "okx",
  needsPassphrase: true,
  makeSecret: () => ({ secret: randomBytes(16).toString("hex").toUpperCase() }),
  makeApiKey: () => randomUUID(),
  authenticate(req, keys) {
    const apiKey = header(req, "OK-ACCESS-KEY");
    if (!apiKey) throw reject("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.');
    const key = keys.get(apiKey);
    if (!key) throw reject("50111", "Invalid OK-ACCESS-KEY.");
    // Demo trading: the same hosts, the x-simulated-trading: 1 header; keys of one environment fail in the other.
    if (key.demo !== (header(req, "x-simulated-trading") === "1")) throw reject("50101", "APIKey does not match current environment.");
    const passphrase = header(req, "OK-ACCESS-PASSPHRASE");
    if (!passphrase) throw reject("50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.');
    if (passphrase !== key.passphrase) throw reject("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.');
    const timestamp = header(req, "OK-ACCESS-TIMESTAMP") ?? "";
    const t = Date.parse(timestamp);
    if (!Number.isFinite(t) || Math.abs(req.now - t) > 30_000) throw reject("50102", "Timestamp request expired.");
    const target = req.path + (req.rawQuery ? `?${req.rawQuery}` : "");
    const expected = hmacSha256(key.secret, timestamp + req.method + target + req.body, "base64");
    if (!sameSignature(header(req, "OK-ACCESS-SIGN"), expected)) throw reject("50113", "Invalid Sign.");
    return key;
  },
  routes: {
    ...okxAlgoRoutes(instrument, mayTrade),
    "GET /api/v5/account/config": (key) => ({
      code: "0",
      msg: "",
      data: [
        {
          uid: "44705892343619584",
          mainUid: "44705892343619584",
          acctLv: "1",
          posMode: "net_mode",
          autoLoan: false,
          level: "Lv1",
          perm: ["read_only", ...(key.trade ? ["trade"] : []), ...(key.withdraw ? ["withdraw"] : [])].join(","),
          ip: key.ipWhitelist ? "127.0.0.1,10.0.0.7" : "",
          label: "keyflow",
          kycLv: "2",
        },
      ],
    }),
    "GET /api/v5/asset/currencies": (_key, _req, book) =>
      ok(
        [...book.engine.balances.keys()].map((ccy) => ({
          ccy,
          name: ccy,
          chain: `${ccy}-${ccy}`,
          canDep: true,
          canWd: true,
          canInternal: true,
          minWd: "0.001",
          maxWd: "1000000",
          wdTickSz: "8",
          minFee: "0.0001",
          maxFee: "0.001",
          mainNet: true,
        })),
      ),
    "GET /api/v5/account/balance": (_key, _req, book) => {
      const now = String(Date.now());
      return ok([
        {
          uTime: now,
          totalEq: "0",
          adjEq: "",
          details: [...book.engine.balances.entries()].map(([ccy, b]) => ({
            ccy,
            eq: dec(b.free + b.locked),
            cashBal: dec(b.free + b.locked),
            availBal: dec(b.free),
            frozenBal: dec(b.locked),
            ordFrozen: dec(b.locked),
            availEq: "",
            uTime: now,
          })),
        },
      ]);
    },
    "POST /api/v5/trade/batch-orders": (key, req, book) => {
      mayTrade(key);
      const body = jsonOf(req);
      if (!Array.isArray(body) || body.length === 0) throw failed("51000", "Parameter error");
      return ok(body.map((o) => placeOne(book, o as Record<string, unknown>)));
    },
    "POST /api/v5/trade/order": (key, req, book) => {
      mayTrade(key);
      return ok([placeOne(book, jsonOf(req) as Record<string, unknown>)]);
    },
    "POST /api/v5/trade/cancel-order": (key, req, book) => {
      mayTrade(key);
      const body = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, body["instId"]);
      const found = findOrdinary(book, s, body["ordId"], body["clOrdId"]);
      const o = book.cancel(s, String(found.orderId), undefined);
      return ok([{ clOrdId: o.clientOrderId, ordId: String(o.orderId), ts: String(o.updateTime), sCode: "0", sMsg: "" }]);
    },
    // Amends a working order where it rests: same ordId and clOrdId, new px and/or sz (sz counts what has filled).
    "POST /api/v5/trade/amend-order": (key, req, book) => {
      mayTrade(key);
      const body = jsonOf(req) as Record<string, string | undefined>;
      const s = instrument(book, body["instId"]);
      if (!body["ordId"] && !body["clOrdId"]) throw failed("51000", "Parameter ordId error");
      if (body["newSz"] === undefined && body["newPx"] === undefined) throw failed("51000", "Parameter newSz or newPx error");
      const reqId = body["reqId"] ?? "";
      let o: FakeOrder;
      try {
        o = book.engine.amendInPlace(s.symbol, { orderId: String(findOrdinary(book, s, body["ordId"], body["clOrdId"]).orderId) }, { price: body["newPx"], quantity: body["newSz"] });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        // OKX: an order that is gone (filled, cancelled) or unknown cannot be amended.
        if (code === -2011 || code === -2013) throw failed("51503", "Order modification failed as the order has been filled, canceled or does not exist.", { ordId: body["ordId"] ?? "", clOrdId: body["clOrdId"] ?? "", reqId });
        throw e;
      }
      return ok([{ clOrdId: o.clientOrderId, ordId: String(o.orderId), ts: String(o.updateTime), reqId, sCode: "0", sMsg: "" }]);
    },
    // The dead-man switch: a countdown (seconds, 0 disarms) after which OKX cancels every working order.
    "POST /api/v5/trade/cancel-all-after": (key, req, book) => {
      mayTrade(key);
      const timeOut = Number((jsonOf(req) as Record<string, unknown>)["timeOut"]);
      if (!Number.isInteger(timeOut) || (timeOut !== 0 && (timeOut < 10 || timeOut > 120))) throw failed("51000", "Parameter timeOut error");
      const ts = Math.floor(Date.now() / 1000);
      book.deadManArmedUntil = timeOut === 0 ? null : (ts + timeOut) * 1000;
      return ok([{ triggerTime: timeOut === 0 ? "0" : String(ts + timeOut), ts: String(ts) }]);
    },
    "GET /api/v5/trade/order": (_key, req, book) => {
      const q = queryOf(req);
      return ok([orderJson(book, findOrdinary(book, instrument(book, q.get("instId")), q.get("ordId") ?? undefined, q.get("clOrdId") ?? undefined))]);
    },
    "GET /api/v5/trade/orders-pending": (_key, req, book) => ok(ordersOf(book, queryOf(req), true)),
    "GET /api/v5/trade/orders-history": (_key, req, book) => ok(ordersOf(book, queryOf(req), false)),
    "GET /api/v5/trade/fills-history": (_key, req, book) => {
      const q = queryOf(req);
      const s = q.get("instId") === null ? undefined : instrument(book, q.get("instId"));
      const begin = Number(q.get("begin") ?? -Infinity);
      const ordId = q.get("ordId");
      return ok(
        book.engine.trades
          .filter((t) => (s === undefined || t.symbol === s.symbol) && t.time >= begin && (ordId === null || String(t.orderId) === ordId))
          .reverse()
          .slice(0, Math.min(Number(q.get("limit") ?? 100), 100))
          .map((t) => fillJson(book, t)),
      );
    },
  },
  instId: (s) => `${s.baseAsset}-${s.quoteAsset}`,
  engineReject,
  publicRoutes: {
    "GET /api/v5/public/time": () => ok([{ ts: String(Date.now()) }]),
    "GET /api/v5/public/instruments": (req, book) =>
      ok(
        queryOf(req).get("instType") !== "SPOT"
          ? []
          : book.symbols.map((s) => ({
              instType: "SPOT",
              instId: book.instId(s),
              uly: "",
              instFamily: "",
              baseCcy: s.baseAsset,
              quoteCcy: s.quoteAsset,
              settleCcy: "",
              ctVal: "",
              ctMult: "",
              ctValCcy: "",
              optType: "",
              stk: "",
              listTime: "1606468572000",
              expTime: "",
              lever: "",
              tickSz: dec(s.tickSize),
              lotSz: dec(s.stepSize),
              minSz: dec(s.minQty),
              ctType: "",
              alias: "",
              state: "live",
              maxLmtSz: dec(s.maxQty),
              maxMktSz: "1000000",
              maxLmtAmt: "20000000",
              maxMktAmt: "1000000",
              maxTwapSz: dec(s.maxQty),
              maxIcebergSz: dec(s.maxQty),
              maxTriggerSz: dec(s.maxQty),
              maxStopSz: "1000000",
              ruleType: "normal",
            })),
      ),
    "GET /api/v5/market/candles": candles,
    "GET /api/v5/market/history-candles": candles,
  },
  notFound: (req) => reject("50014", `fake okx: no route for ${req.method} ${req.path}`, 404),
  ws: okxWs(orderJson),
};
