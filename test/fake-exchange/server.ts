// A loopback HTTP server speaking the part of Binance's spot REST API that ccxt's `binance` class uses
// for candles, balances, orders and the key permission probe. It verifies signatures like Binance does,
// matches orders against a scripted candle stream the test advances explicitly, and fails on demand.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { BinanceReject, round8, type MatchingEngine } from "./engine";
import { createMarket, DEFAULT_SYMBOLS, INTERVAL_MS, type MarketOptions } from "./market";
import { attachFakeWs, type FakeWs } from "./ws";
import type { Candle, Fault, FaultMatch, FakeKey, FakeOrder, FakeSymbol, FakeTrade, KeyPermissions, RequestRecord } from "./types";

export { DEFAULT_SYMBOLS, makeCandles } from "./market";

export interface FakeExchangeOptions extends MarketOptions {
  /** Extra keys besides the built-in ones (trade, readOnly, withdraw, noIpWhitelist, noRead). */
  keys?: Record<string, Partial<KeyPermissions>>;
  /** Server clock minus local clock, ms (for -1021 / time-sync tests). */
  clockSkewMs?: number;
  /** Bid-ask spread in basis points paid by market orders (half on each side); default 0. */
  spreadBps?: number;
  /** Whether the exchange holds stop-market orders (STOP_LOSS / TAKE_PROFIT, and OCO lists); default true. */
  stopOrders?: boolean;
  /** If set, the fake itself answers 429 + Retry-After when more requests arrive in the window. */
  enforceRateLimit?: { windowMs: number; max: number; retryAfterSec: number };
  /** Whether the markets allow POST /api/v3/order/cancelReplace (Binance's cancelReplaceAllowed); default true. */
  cancelReplace?: boolean;
  /** Listen on this port (default: any free one) — a fake restarted on the same port keeps its URL. */
  port?: number;
}

export interface FakeExchange {
  /** Base URL, e.g. http://127.0.0.1:43121 */
  url: string;
  /** Generated keys (random secrets, never real). */
  keys: Record<"trade" | "readOnly" | "withdraw" | "noIpWhitelist" | "noRead" | string, FakeKey>;
  engine: MatchingEngine;
  /** Closes the next candle of every stream, filling orders against it. */
  advance(n?: number): Candle[];
  /** Fractions of the order's quantity filled on successive matching candles, by client order id. */
  scriptFills(clientOrderId: string, fractions: number[]): void;
  setBalance(asset: string, free: number): void;
  setClockSkew(ms: number): void;
  faults: {
    inject(fault: Fault, match?: FaultMatch): void;
    pending(): number;
    clear(): void;
  };
  stats: {
    requests: RequestRecord[];
    count(filter?: { method?: string; path?: string }): number;
    /** The largest number of requests that arrived within any window of this length. */
    maxInWindow(windowMs: number, filter?: { method?: string; path?: string; apiKey?: string }): number;
    reset(): void;
  };
  /** The websocket side (kline stream, user data stream) with its fault controls. */
  ws: FakeWs;
  close(): Promise<void>;
}


/** A deterministic wandering candle stream (no I/O, no randomness across runs). */
/** Index of the first of the first `n` candles opening at or after `t`. */
function firstAtOrAfter(rows: Candle[], n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]![0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Candles of a longer interval from a base stream: the buckets the stream covers to their end. */
function buckets(base: Candle[], baseMs: number, ms: number): Candle[] {
  const out: Candle[] = [];
  const last = base.at(-1);
  if (!last) return out;
  for (const c of base) {
    const start = c[0] - (c[0] % ms);
    if (start + ms > last[0] + baseMs) break;
    const b = out.at(-1);
    if (!b || b[0] !== start) out.push([start, c[1], c[2], c[3], c[4], c[5]]);
    else {
      b[2] = Math.max(b[2], c[2]);
      b[3] = Math.min(b[3], c[3]);
      b[4] = c[4];
      b[5] += c[5];
    }
  }
  return out;
}

const ALL_PERMS: KeyPermissions = { enableReading: true, enableSpotAndMarginTrading: true, enableWithdrawals: false, ipRestrict: true };
const BUILTIN_KEYS: Record<string, Partial<KeyPermissions>> = {
  trade: {},
  readOnly: { enableSpotAndMarginTrading: false },
  withdraw: { enableWithdrawals: true },
  noIpWhitelist: { ipRestrict: false },
  noRead: { enableReading: false, enableSpotAndMarginTrading: false },
};

const PUBLIC_PATHS = new Set(["/api/v3/ping", "/api/v3/time", "/api/v3/exchangeInfo", "/api/v3/klines", "/sapi/v1/system/status"]);
const READ_PATHS = new Set([
  "/api/v3/account",
  "/api/v3/openOrders",
  "/api/v3/myTrades",
  "/api/v3/allOrders",
  "/sapi/v1/capital/config/getall",
  "/sapi/v1/margin/allPairs",
  "/sapi/v1/margin/isolated/allPairs",
]);

const fmt = (x: number) => round8(x).toFixed(8);

interface Injected {
  fault: Fault;
  match: FaultMatch;
  left: number;
}

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startFakeExchange(opts: FakeExchangeOptions = {}): Promise<FakeExchange> {
  const symbols = opts.symbols ?? DEFAULT_SYMBOLS;
  let clockSkewMs = opts.clockSkewMs ?? 0;
  const serverNow = () => Date.now() + clockSkewMs;
  const { engine, interval, intervalMs } = createMarket(opts, serverNow);
  const stopOrders = opts.stopOrders ?? true;
  const cancelReplace = opts.cancelReplace ?? true;
  const fillScripts = new Map<string, number[]>();

  const keys: Record<string, FakeKey> = {};
  for (const [name, perms] of Object.entries({ ...BUILTIN_KEYS, ...(opts.keys ?? {}) })) {
    keys[name] = {
      apiKey: `fake${name}${randomBytes(12).toString("hex")}`,
      secret: randomBytes(24).toString("hex"),
      ...ALL_PERMS,
      ...perms,
    };
  }
  const byApiKey = () => new Map(Object.values(keys).map((k) => [k.apiKey, k]));

  const injected: Injected[] = [];
  const requests: RequestRecord[] = [];
  const hanging = new Set<ServerResponse>();

  const takeFault = (method: string, path: string): Fault | undefined => {
    const i = injected.findIndex((f) => (f.match.method === undefined || f.match.method === method) && (f.match.path === undefined || f.match.path === path));
    if (i < 0) return undefined;
    const f = injected[i]!;
    f.left -= 1;
    if (f.left <= 0) injected.splice(i, 1);
    return f.fault;
  };

  const usedWeight = () => {
    const since = performance.now() - 60_000;
    return requests.filter((r) => r.at >= since).length;
  };

  const orderJson = (o: FakeOrder, respType: "ACK" | "RESULT" | "FULL" | "QUERY") => {
    if (respType === "ACK") return { symbol: o.symbol, orderId: o.orderId, orderListId: o.orderListId, clientOrderId: o.clientOrderId, transactTime: o.time };
    const common = {
      symbol: o.symbol,
      orderId: o.orderId,
      orderListId: o.orderListId,
      clientOrderId: o.clientOrderId,
      price: fmt(o.price),
      origQty: fmt(o.origQty),
      executedQty: fmt(o.executedQty),
      cummulativeQuoteQty: fmt(o.cummulativeQuoteQty),
      status: o.status,
      timeInForce: o.timeInForce ?? "GTC",
      type: o.type,
      side: o.side,
    };
    if (respType === "QUERY") {
      return {
        ...common,
        stopPrice: fmt(o.stopPrice),
        icebergQty: "0.00000000",
        time: o.time,
        updateTime: o.updateTime,
        isWorking: true,
        workingTime: o.time,
        origQuoteOrderQty: "0.00000000",
        selfTradePreventionMode: "EXPIRE_MAKER",
      };
    }
    const result = { ...common, transactTime: o.time, workingTime: o.time, origQuoteOrderQty: "0.00000000", selfTradePreventionMode: "EXPIRE_MAKER" };
    if (respType === "RESULT") return result;
    return {
      ...result,
      fills: o.trades.map((t) => ({ price: fmt(t.price), qty: fmt(t.qty), commission: fmt(t.commission), commissionAsset: t.commissionAsset, tradeId: t.id })),
    };
  };

  const tradeJson = (t: FakeTrade) => ({
    symbol: t.symbol,
    id: t.id,
    orderId: t.orderId,
    orderListId: -1,
    price: fmt(t.price),
    qty: fmt(t.qty),
    quoteQty: fmt(t.quoteQty),
    commission: fmt(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    isBuyer: t.isBuyer,
    isMaker: t.isMaker,
    isBestMatch: true,
  });

  const exchangeInfo = () => ({
    timezone: "UTC",
    serverTime: serverNow(),
    rateLimits: [
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 100 },
    ],
    exchangeFilters: [],
    symbols: symbols.map((s) => ({
      symbol: s.symbol,
      status: "TRADING",
      baseAsset: s.baseAsset,
      baseAssetPrecision: 8,
      quoteAsset: s.quoteAsset,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: stopOrders ? ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"] : ["LIMIT", "LIMIT_MAKER", "MARKET"],
      icebergAllowed: true,
      ocoAllowed: stopOrders,
      otoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: cancelReplace,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: "PRICE_FILTER", minPrice: fmt(s.minPrice), maxPrice: fmt(s.maxPrice), tickSize: fmt(s.tickSize) },
        { filterType: "LOT_SIZE", minQty: fmt(s.minQty), maxQty: fmt(s.maxQty), stepSize: fmt(s.stepSize) },
        { filterType: "NOTIONAL", minNotional: fmt(s.minNotional), applyMinToMarket: true, maxNotional: "9000000.00000000", applyMaxToMarket: false, avgPriceMins: 5 },
      ],
      permissions: [],
      permissionSets: [["SPOT"]],
      defaultSelfTradePreventionMode: "EXPIRE_MAKER",
      allowedSelfTradePreventionModes: ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    })),
  });

  // Longer intervals are built once per closed-candle count (a year of 1m pages fast).
  const bucketCache = new Map<string, { closed: number; rows: Candle[] }>();
  const streamOf = (symbol: string, ms: number | undefined): { rows: Candle[]; n: number } => {
    const all = engine.candles[symbol] ?? [];
    if (ms === undefined) return { rows: all, n: Math.min(engine.closed, all.length) };
    const key = `${symbol}|${ms}`;
    let hit = bucketCache.get(key);
    if (!hit || hit.closed !== engine.closed) {
      hit = { closed: engine.closed, rows: buckets(engine.closedCandles(symbol), intervalMs, ms) };
      bucketCache.set(key, hit);
    }
    return { rows: hit.rows, n: hit.rows.length };
  };

  const klines = (q: URLSearchParams) => {
    const symbol = q.get("symbol") ?? "";
    engine.market(symbol);
    const asked = q.get("interval") ?? "";
    const askedMs = INTERVAL_MS[asked];
    // Longer intervals are served like an exchange does: built from the base stream, whole buckets only.
    if (asked !== interval && (askedMs === undefined || askedMs <= intervalMs || askedMs % intervalMs !== 0)) throw new BinanceReject(-1120, "Invalid interval.");
    const limit = Math.min(Number(q.get("limit") ?? 500), 1000);
    const startTime = q.get("startTime") === null ? undefined : Number(q.get("startTime"));
    const endTime = q.get("endTime") === null ? undefined : Number(q.get("endTime"));
    const { rows: stream, n } = streamOf(symbol, asked === interval ? undefined : askedMs);
    const lo = startTime === undefined ? 0 : firstAtOrAfter(stream, n, startTime);
    const hi = endTime === undefined ? n : firstAtOrAfter(stream, n, endTime + 1);
    // Binance returns the oldest `limit` rows from startTime, or the newest `limit` rows without it.
    const rows = startTime === undefined ? stream.slice(Math.max(lo, hi - limit), hi) : stream.slice(lo, Math.min(hi, lo + limit));
    return rows.map((c) => [c[0], fmt(c[1]), fmt(c[2]), fmt(c[3]), fmt(c[4]), fmt(c[5]), c[0] + (askedMs ?? intervalMs) - 1, fmt(c[5] * c[4]), 100, fmt(c[5] / 2), fmt((c[5] * c[4]) / 2), "0"]);
  };

  /** Verifies key, signature, timestamp and permission exactly where Binance does; returns the key. */
  const authenticate = (req: IncomingMessage, path: string, method: string, rawQuery: string, rawBody: string, params: URLSearchParams): FakeKey => {
    const apiKeyHeader = req.headers["x-mbx-apikey"];
    const apiKey = Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader;
    if (!apiKey) throw new BinanceReject(-2014, "API-key format invalid.", 401);
    const key = byApiKey().get(apiKey);
    if (!key) throw new BinanceReject(-2015, "Invalid API-key, IP, or permissions for action.", 401);
    const timestamp = Number(params.get("timestamp"));
    if (!params.get("timestamp") || !Number.isFinite(timestamp)) {
      throw new BinanceReject(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    }
    const signature = params.get("signature");
    if (!signature) throw new BinanceReject(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    // totalParams = query string concatenated with the body, each without the signature parameter.
    const strip = (raw: string) => raw.split("&").filter((p) => p !== "" && !p.startsWith("signature=")).join("&");
    const payload = strip(rawQuery) + strip(rawBody);
    const expected = createHmac("sha256", key.secret).update(payload).digest();
    const given = Buffer.from(signature, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new BinanceReject(-1022, "Signature for this request is not valid.");
    }
    const recvWindow = params.get("recvWindow") === null ? 5000 : Number(params.get("recvWindow"));
    if (!(recvWindow > 0) || recvWindow > 60_000) throw new BinanceReject(-1131, "recvWindow must be less than 60000");
    const now = serverNow();
    if (timestamp >= now + 1000) throw new BinanceReject(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
    if (now - timestamp > recvWindow) throw new BinanceReject(-1021, "Timestamp for this request is outside of the recvWindow.");
    const needsTrade = (path === "/api/v3/order" && (method === "POST" || method === "DELETE")) || ((path === "/api/v3/orderList/oco" || path === "/api/v3/order/cancelReplace") && method === "POST");
    const needsRead = READ_PATHS.has(path) || (path === "/api/v3/order" && method === "GET");
    if ((needsTrade && !key.enableSpotAndMarginTrading) || (needsRead && !key.enableReading)) {
      throw new BinanceReject(-2015, "Invalid API-key, IP, or permissions for action.", 401);
    }
    return key;
  };

  const route = (method: string, path: string, params: URLSearchParams, key: FakeKey | undefined): unknown => {
    const p = (name: string) => params.get(name) ?? undefined;
    switch (`${method} ${path}`) {
      case "GET /api/v3/ping":
        return {};
      case "GET /api/v3/time":
        return { serverTime: serverNow() };
      case "GET /sapi/v1/system/status":
        return { status: 0, msg: "normal" };
      case "GET /api/v3/exchangeInfo":
        return exchangeInfo();
      case "GET /api/v3/klines":
        return klines(params);
      case "GET /api/v3/account":
        return {
          makerCommission: 10,
          takerCommission: 10,
          buyerCommission: 0,
          sellerCommission: 0,
          commissionRates: { maker: "0.00100000", taker: "0.00100000", buyer: "0.00000000", seller: "0.00000000" },
          canTrade: key?.enableSpotAndMarginTrading ?? false,
          canWithdraw: key?.enableWithdrawals ?? false,
          canDeposit: true,
          brokered: false,
          requireSelfTradePrevention: false,
          preventSor: false,
          updateTime: serverNow(),
          accountType: "SPOT",
          balances: [...engine.balances.entries()].map(([asset, b]) => ({ asset, free: fmt(b.free), locked: fmt(b.locked) })),
          permissions: ["SPOT"],
          uid: 354937868,
        };
      case "GET /sapi/v1/capital/config/getall":
        return [...engine.balances.entries()].map(([coin, b]) => ({
          coin,
          name: coin,
          depositAllEnable: true,
          withdrawAllEnable: true,
          free: fmt(b.free),
          locked: fmt(b.locked),
          freeze: "0",
          withdrawing: "0",
          ipoing: "0",
          ipoable: "0",
          storage: "0",
          isLegalMoney: false,
          trading: true,
          networkList: [],
        }));
      case "GET /sapi/v1/margin/allPairs":
      case "GET /sapi/v1/margin/isolated/allPairs":
        return [];
      case "GET /sapi/v1/account/apiRestrictions":
        return {
          ipRestrict: key!.ipRestrict,
          createTime: 1_700_000_000_000,
          enableReading: key!.enableReading,
          enableWithdrawals: key!.enableWithdrawals,
          enableInternalTransfer: false,
          enableMargin: false,
          enableFutures: false,
          permitsUniversalTransfer: false,
          enableVanillaOptions: false,
          enableFixApiTrade: false,
          enableFixReadOnly: false,
          enableSpotAndMarginTrading: key!.enableSpotAndMarginTrading,
          enablePortfolioMarginTrading: false,
        };
      case "POST /api/v3/order": {
        if (!stopOrders && p("type") !== "MARKET" && p("type") !== "LIMIT") throw new BinanceReject(-1116, "Invalid orderType.");
        const order = engine.placeOrder(
          { symbol: p("symbol") ?? "", side: p("side") ?? "", type: p("type") ?? "", quantity: p("quantity"), price: p("price"), timeInForce: p("timeInForce"), newClientOrderId: p("newClientOrderId"), stopPrice: p("stopPrice") },
          fillScripts,
        );
        const respType = (p("newOrderRespType") ?? (order.type === "MARKET" ? "FULL" : "ACK")) as "ACK" | "RESULT" | "FULL";
        return orderJson(order, respType);
      }
      case "POST /api/v3/order/cancelReplace": {
        if (!cancelReplace) throw new BinanceReject(-1013, "Cancel-replace is not allowed for this symbol.");
        if (!stopOrders && p("type") !== "MARKET" && p("type") !== "LIMIT") throw new BinanceReject(-1116, "Invalid orderType.");
        const { cancelled, placed } = engine.cancelReplace(
          {
            symbol: p("symbol") ?? "",
            side: p("side") ?? "",
            type: p("type") ?? "",
            quantity: p("quantity"),
            price: p("price"),
            timeInForce: p("timeInForce"),
            newClientOrderId: p("newClientOrderId"),
            stopPrice: p("stopPrice"),
            cancelOrderId: p("cancelOrderId"),
            cancelOrigClientOrderId: p("cancelOrigClientOrderId"),
            cancelReplaceMode: p("cancelReplaceMode"),
          },
          fillScripts,
        );
        const respType = (p("newOrderRespType") ?? "ACK") as "ACK" | "RESULT" | "FULL";
        return {
          cancelResult: "SUCCESS",
          newOrderResult: "SUCCESS",
          cancelResponse: { ...(orderJson(cancelled, "RESULT") as Record<string, unknown>), origClientOrderId: cancelled.clientOrderId, clientOrderId: p("cancelNewClientOrderId") ?? `cancel${cancelled.orderId}` },
          newOrderResponse: orderJson(placed, respType),
        };
      }
      case "POST /api/v3/orderList/oco": {
        if (!stopOrders) throw new BinanceReject(-1116, "Invalid orderType.");
        const list = engine.placeOco(
          {
            symbol: p("symbol") ?? "",
            side: p("side") ?? "",
            quantity: p("quantity"),
            aboveType: p("aboveType"),
            aboveStopPrice: p("aboveStopPrice"),
            aboveClientOrderId: p("aboveClientOrderId"),
            belowType: p("belowType"),
            belowStopPrice: p("belowStopPrice"),
            belowClientOrderId: p("belowClientOrderId"),
          },
          fillScripts,
        );
        return {
          orderListId: list.orderListId,
          contingencyType: "OCO",
          listStatusType: "EXEC_STARTED",
          listOrderStatus: "EXECUTING",
          listClientOrderId: p("listClientOrderId") ?? `list${list.orderListId}`,
          transactionTime: serverNow(),
          symbol: list.orders[0]!.symbol,
          orders: list.orders.map((o) => ({ symbol: o.symbol, orderId: o.orderId, clientOrderId: o.clientOrderId })),
          orderReports: list.orders.map((o) => orderJson(o, "RESULT")),
        };
      }
      case "GET /api/v3/order":
        return orderJson(engine.findOrder(p("symbol") ?? "", p("orderId"), p("origClientOrderId")), "QUERY");
      case "DELETE /api/v3/order": {
        const { order, cancelClientOrderId } = engine.cancelOrder(p("symbol") ?? "", p("orderId"), p("origClientOrderId"));
        const r = orderJson(order, "RESULT") as Record<string, unknown>;
        // Binance answers a cancel with the ORIGINAL id in origClientOrderId and a new id for the cancel itself.
        return { ...r, origClientOrderId: order.clientOrderId, clientOrderId: p("newClientOrderId") ?? cancelClientOrderId, transactTime: serverNow() };
      }
      case "GET /api/v3/openOrders":
        return engine.openOrders(p("symbol")).map((o) => orderJson(o, "QUERY"));
      case "GET /api/v3/allOrders": {
        const symbol = p("symbol") ?? "";
        engine.market(symbol);
        return engine.orders.filter((o) => o.symbol === symbol).map((o) => orderJson(o, "QUERY"));
      }
      case "GET /api/v3/myTrades": {
        const symbol = p("symbol") ?? "";
        engine.market(symbol);
        const start = p("startTime") === undefined ? -Infinity : Number(p("startTime"));
        const end = p("endTime") === undefined ? Infinity : Number(p("endTime"));
        const fromId = p("fromId") === undefined ? -Infinity : Number(p("fromId"));
        const orderId = p("orderId");
        const limit = Math.min(Number(p("limit") ?? 500), 1000);
        return engine.trades
          .filter((t) => t.symbol === symbol && t.time >= start && t.time <= end && t.id >= fromId && (orderId === undefined || String(t.orderId) === orderId))
          .slice(0, limit)
          .map(tradeJson);
      }
      default:
        throw new Reply(404, { code: -1000, msg: `fake exchange: no route for ${method} ${path}` });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const qIndex = rawUrl.indexOf("?");
    const path = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const rawQuery = qIndex < 0 ? "" : rawUrl.slice(qIndex + 1);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const headerKey = req.headers["x-mbx-apikey"];
    const record: RequestRecord = { at: performance.now(), method, path, apiKey: Array.isArray(headerKey) ? headerKey[0] : headerKey, outcome: 200 };
    requests.push(record);

    const send = (reply: Reply) => {
      record.outcome = reply.status;
      res.writeHead(reply.status, { "Content-Type": "application/json;charset=UTF-8", "x-mbx-used-weight-1m": String(usedWeight()), ...reply.headers });
      res.end(JSON.stringify(reply.body));
    };

    if (opts.enforceRateLimit) {
      const { windowMs, max, retryAfterSec } = opts.enforceRateLimit;
      const since = record.at - windowMs;
      const inWindow = requests.filter((r) => r.at > since && r.outcome !== 429).length;
      if (inWindow > max) {
        send(new Reply(429, { code: -1003, msg: "Too many requests; current limit is exceeded." }, { "Retry-After": String(retryAfterSec) }));
        return;
      }
    }

    const fault = takeFault(method, path);
    if (fault?.kind === "timeout") {
      record.outcome = "timeout";
      hanging.add(res);
      return;
    }
    if (fault?.kind === "status") {
      send(new Reply(fault.status, fault.body ?? `<html><body>${fault.status} fake upstream error</body></html>`));
      return;
    }
    if (fault?.kind === "rateLimit") {
      send(new Reply(fault.status, { code: -1003, msg: "Way too much request weight used; IP banned until later." }, { "Retry-After": String(fault.retryAfterSec) }));
      return;
    }

    try {
      const params = new URLSearchParams(rawQuery);
      for (const [k, v] of new URLSearchParams(rawBody)) params.append(k, v);
      const key = PUBLIC_PATHS.has(path) ? undefined : authenticate(req, path, method, rawQuery, rawBody, params);
      if (fault?.kind === "timestamp") throw new BinanceReject(-1021, "Timestamp for this request is outside of the recvWindow.");
      if (fault?.kind === "reject") throw new BinanceReject(fault.code, fault.msg, fault.status ?? 400);
      const body = route(method, path, params, key);
      if (method !== "GET") ws.publish();
      if (fault?.kind === "dropAfterAccept") {
        record.outcome = "dropped";
        res.socket?.destroy();
        return;
      }
      send(new Reply(200, body));
    } catch (e) {
      if (e instanceof Reply) send(e);
      else if (e instanceof BinanceReject) send(new Reply(e.status, { code: e.code, msg: e.message, ...(e.data ? { data: e.data } : {}) }));
      else send(new Reply(500, { code: -1000, msg: `fake exchange bug: ${String(e)}` }));
    }
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const ws = attachFakeWs(server, { engine, keys: byApiKey, interval, intervalMs, now: serverNow });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const matches = (r: RequestRecord, f?: { method?: string; path?: string; apiKey?: string }) =>
    (f?.method === undefined || r.method === f.method) && (f?.path === undefined || r.path === f.path) && (f?.apiKey === undefined || r.apiKey === f.apiKey);

  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    engine,
    advance: (n = 1) => {
      const closed = engine.advanceBy(n);
      ws.publish();
      return closed;
    },
    scriptFills(clientOrderId, fractions) {
      fillScripts.set(clientOrderId, fractions);
    },
    setBalance(asset, free) {
      engine.balance(asset).free = free;
    },
    setClockSkew(ms) {
      clockSkewMs = ms;
    },
    faults: {
      inject(fault, match = {}) {
        injected.push({ fault, match, left: match.times ?? 1 });
      },
      pending: () => injected.reduce((n, f) => n + f.left, 0),
      clear: () => void injected.splice(0),
    },
    stats: {
      requests,
      count: (f) => requests.filter((r) => matches(r, f)).length,
      maxInWindow(windowMs, f) {
        const times = requests.filter((r) => matches(r, f)).map((r) => r.at).sort((a, b) => a - b);
        let best = 0;
        let lo = 0;
        for (let hi = 0; hi < times.length; hi++) {
          while (times[hi]! - times[lo]! >= windowMs) lo++;
          best = Math.max(best, hi - lo + 1);
        }
        return best;
      },
      reset: () => void requests.splice(0),
    },
    ws,
    async close() {
      ws.close();
      for (const res of hanging) res.destroy();
      hanging.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
