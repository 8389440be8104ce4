// Coinbase Advanced Trade with a CDP key: the API key is "organizations/{org}/apiKeys/{id}", the
// secret an EC P-256 private key (PEM). Each request carries Authorization: Bearer <JWT, ES256>
// with kid = sub = the key name and uri = "METHOD host/path", valid for 120 s. A bad token is
// answered 401 "Unauthorized" (text), as Coinbase does.
// Spot trading as ccxt's coinbase class calls it (read in ccxt's coinbase.js): v2 currencies and
// exchange rates, market/products (spot; no futures), transaction_summary (fee tier), candles (newest
// first, start/end in seconds, 300 at most), accounts, orders (a market BUY spends quote_size),
// batch_cancel, orders/historical (one, batch by status) and fills. Commissions are in the quote. Its
// websocket side (the JWT-signed user channel; no candles) is coinbaseWs.ts.
import { createPublicKey, generateKeyPairSync, randomUUID, verify } from "node:crypto";
import type { BinanceReject } from "../engine";
import type { FakeOrder, FakeSymbol, FakeTrade, OrderStatus } from "../types";
import { averagePrice, commissionOf, dec, jsonOf, queryOf, type VenueBook } from "./book";
import { attachCoinbaseWs } from "./coinbaseWs";
import { header, VenueReply, type VenueDialect, type VenueKey, type VenueRequest } from "./types";

const unauthorized = () => new VenueReply(401, "Unauthorized");
const failed = (error: string, message: string, status = 400) => new VenueReply(status, { error, error_details: message, message });
/** A refused order: HTTP 200, success false, the reason in error_response. */
const orderFailed = (error: string, message: string) =>
  new VenueReply(200, { success: false, failure_reason: "UNKNOWN_FAILURE_REASON", order_id: "", error_response: { error, message, error_details: message, preview_failure_reason: `PREVIEW_${error}` } });

const GRANULARITY: Record<string, string> = { "1m": "ONE_MINUTE", "5m": "FIVE_MINUTE", "15m": "FIFTEEN_MINUTE", "1h": "ONE_HOUR", "4h": "FOUR_HOUR", "1d": "ONE_DAY" };
const STATUS: Record<OrderStatus, string> = { NEW: "OPEN", PARTIALLY_FILLED: "OPEN", FILLED: "FILLED", CANCELED: "CANCELLED", EXPIRED: "EXPIRED" };
const iso = (ms: number) => new Date(ms).toISOString();

/** The quote a market buy was sent to spend (its quote_size), by order. */
const quoteSizes = new WeakMap<FakeOrder, string>();

function product(book: VenueBook, id: string | null | undefined): FakeSymbol {
  const s = book.symbolOf(id ?? undefined);
  if (!s) throw failed("NOT_FOUND", "ProductID is invalid", 404);
  return s;
}

function mayTrade(key: VenueKey): void {
  if (!key.trade) throw failed("PERMISSION_DENIED", "Missing required scopes", 403);
}

const orderJson = (book: VenueBook, o: FakeOrder) => {
  const s = book.engine.market(o.symbol);
  const { fee } = commissionOf(o, s);
  const quoteSize = quoteSizes.get(o);
  const configuration =
    o.type === "LIMIT"
      ? { limit_limit_gtc: { base_size: dec(o.origQty), limit_price: dec(o.price), post_only: false } }
      : { market_market_ioc: quoteSize !== undefined ? { quote_size: quoteSize } : { base_size: dec(o.origQty) } };
  return {
    order_id: String(o.orderId),
    product_id: book.instId(s),
    user_id: "3a8f6f2e-6c3a-4d0e-9f1e-2c1d4b5a6e7f",
    order_configuration: configuration,
    side: o.side,
    client_order_id: o.clientOrderId,
    status: STATUS[o.status],
    time_in_force: o.type === "LIMIT" ? "GOOD_UNTIL_CANCELLED" : "IMMEDIATE_OR_CANCEL",
    created_time: iso(o.time),
    completion_percentage: dec((o.executedQty / o.origQty) * 100),
    filled_size: dec(o.executedQty),
    average_filled_price: o.executedQty > 0 ? dec(averagePrice(o)) : "0",
    number_of_fills: String(o.trades.length),
    filled_value: dec(o.cummulativeQuoteQty),
    pending_cancel: false,
    size_in_quote: quoteSize !== undefined,
    total_fees: dec(fee),
    size_inclusive_of_fees: false,
    total_value_after_fees: dec(o.side === "BUY" ? o.cummulativeQuoteQty + fee : o.cummulativeQuoteQty - fee),
    trigger_status: "INVALID_ORDER_TYPE",
    order_type: o.type,
    reject_reason: "",
    settled: o.status === "FILLED",
    product_type: "SPOT",
    reject_message: "",
    cancel_message: "",
    order_placement_source: "RETAIL_ADVANCED",
    outstanding_hold_amount: dec(o.locked),
    last_fill_time: o.trades.length > 0 ? iso(o.trades[o.trades.length - 1]!.time) : null,
  };
};

const fillJson = (book: VenueBook, t: FakeTrade) => ({
  entry_id: `e${t.id}`,
  trade_id: String(t.id),
  order_id: String(t.orderId),
  trade_time: iso(t.time),
  trade_type: "FILL",
  price: dec(t.price),
  size: dec(t.qty),
  commission: dec(t.commission),
  product_id: book.instIdOfOrder(t),
  sequence_timestamp: iso(t.time),
  liquidity_indicator: t.isMaker ? "MAKER" : "TAKER",
  size_in_quote: false,
  user_id: "3a8f6f2e-6c3a-4d0e-9f1e-2c1d4b5a6e7f",
  side: t.isBuyer ? "BUY" : "SELL",
});

function engineReject(e: BinanceReject, req: VenueRequest): VenueReply {
  const placing = req.path === "/api/v3/brokerage/orders";
  switch (e.code) {
    case -2010:
      return /insufficient/i.test(e.message) ? orderFailed("INSUFFICIENT_FUND", "Insufficient balance in source account") : orderFailed("INVALID_ARGUMENT", "duplicate client_order_id");
    case -2011:
    case -2013:
      return failed("NOT_FOUND", "order with this orderID was not found", 404);
    default:
      return placing ? orderFailed("INVALID_ARGUMENT", e.message) : failed("INVALID_ARGUMENT", e.message);
  }
}

function currencies(book: VenueBook) {
  return [...new Set(book.symbols.flatMap((s) => [s.baseAsset, s.quoteAsset]))];
}

const fromBase64Url = (s: string) => Buffer.from(s, "base64url");

/**
 * A CDP key's JWT (ES256, kid = sub = the key name, valid from nbf to exp, 120 s): the key and the
 * claims when the token is one of these keys' and valid now, else null. REST tokens also carry the
 * request in `uri`; the websocket's subscription token carries none.
 */
export function verifyCoinbaseJwt(
  token: string | undefined,
  keys: ReadonlyMap<string, VenueKey>,
  verifyKeys: ReadonlyMap<string, string>,
  nowMs: number,
): { key: VenueKey; claims: { sub?: string; uri?: string; nbf?: number; exp?: number } } | null {
  const parts = token?.split(".");
  if (!parts || parts.length !== 3) return null;
  const [h, p, sig] = parts as [string, string, string];
  let head: { alg?: string; kid?: string };
  let claims: { sub?: string; uri?: string; nbf?: number; exp?: number };
  try {
    head = JSON.parse(fromBase64Url(h).toString("utf8")) as typeof head;
    claims = JSON.parse(fromBase64Url(p).toString("utf8")) as typeof claims;
  } catch {
    return null;
  }
  const key = head.kid ? keys.get(head.kid) : undefined;
  const publicPem = head.kid ? verifyKeys.get(head.kid) : undefined;
  if (!key || !publicPem || head.alg !== "ES256" || claims.sub !== key.apiKey) return null;
  if (!verify("sha256", Buffer.from(`${h}.${p}`), { key: createPublicKey(publicPem), dsaEncoding: "ieee-p1363" }, fromBase64Url(sig))) return null;
  const seconds = nowMs / 1000;
  if (!(claims.nbf !== undefined && claims.exp !== undefined && claims.nbf <= seconds + 5 && seconds < claims.exp)) return null;
  return { key, claims };
}

export const coinbaseDialect: VenueDialect = {
  id: "coinbase",
  needsPassphrase: false,
  makeSecret() {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    return { secret: privateKey.export({ type: "sec1", format: "pem" }).toString(), verifyWith: publicKey.export({ type: "spki", format: "pem" }).toString() };
  },
  makeApiKey: () => `organizations/${randomUUID()}/apiKeys/${randomUUID()}`,
  authenticate(req, keys, verifyKeys) {
    const token = /^Bearer (.+)$/.exec(header(req, "Authorization") ?? "")?.[1];
    const found = verifyCoinbaseJwt(token, keys, verifyKeys, req.now);
    if (!found) throw unauthorized();
    const { key, claims } = found;
    if (!claims.uri?.startsWith(`${req.method} `) || !claims.uri.endsWith(req.path)) throw unauthorized();
    return key;
  },
  feesInQuote: true,
  routes: {
    "GET /api/v3/brokerage/transaction_summary": () => ({
      total_volume: 0,
      total_fees: 0,
      fee_tier: { pricing_tier: "Advanced 1", usd_from: "0", usd_to: "1000", taker_fee_rate: "0.001", maker_fee_rate: "0.001", aop_from: "", aop_to: "" },
      margin_rate: null,
      goods_and_services_tax: null,
      advanced_trade_only_volume: 0,
      advanced_trade_only_fees: 0,
      coinbase_pro_volume: 0,
      coinbase_pro_fees: 0,
    }),
    "GET /api/v3/brokerage/accounts": (_key, _req, book) => ({
      accounts: [...book.engine.balances.entries()].map(([currency, b], i) => ({
        uuid: `8bfc20d7-f7c6-4422-bf07-8243ca4169f${i}`,
        name: `${currency} Wallet`,
        currency,
        available_balance: { value: dec(b.free), currency },
        default: true,
        active: true,
        created_at: "2025-01-01T00:00:00.000Z",
        updated_at: "2025-01-01T00:00:00.000Z",
        deleted_at: null,
        type: "ACCOUNT_TYPE_CRYPTO",
        ready: true,
        hold: { value: dec(b.locked), currency },
        retail_portfolio_id: "8b5d1a3c-2f51-4d3c-9c8e-4a7f4e2f0b11",
      })),
      has_next: false,
      cursor: "",
      size: book.engine.balances.size,
    }),
    "POST /api/v3/brokerage/orders": (key, req, book) => {
      mayTrade(key);
      const b = jsonOf(req) as { client_order_id?: string; product_id?: string; side?: string; order_configuration?: Record<string, Record<string, string | boolean | undefined>> };
      const s = book.symbolOf(b.product_id);
      if (!s) throw orderFailed("INVALID_ARGUMENT", "ProductID is invalid");
      const side = b.side === "BUY" ? "buy" : b.side === "SELL" ? "sell" : undefined;
      if (!side || !b.client_order_id) throw orderFailed("INVALID_ARGUMENT", "side and client_order_id are required");
      const limit = b.order_configuration?.["limit_limit_gtc"];
      const market = b.order_configuration?.["market_market_ioc"];
      const str = (v: unknown) => (typeof v === "string" ? v : undefined);
      let o: FakeOrder;
      if (limit) o = book.place(s, side, "limit", str(limit["base_size"]), str(limit["limit_price"]), b.client_order_id);
      else if (market) {
        const quote = str(market["quote_size"]);
        if (quote !== undefined && side !== "buy") throw orderFailed("INVALID_ARGUMENT", "quote_size is for market buys");
        if (quote !== undefined && !(Number(quote) >= s.minNotional)) throw orderFailed("INVALID_ARGUMENT", `quote_size is below the minimum of ${dec(s.minNotional)}`);
        // A market buy names what to spend; the engine takes a base amount.
        const size = quote !== undefined ? dec(Math.floor(Number(quote) / book.lastPrice(s) / s.stepSize + 1e-9) * s.stepSize) : str(market["base_size"]);
        o = book.place(s, side, "market", size, undefined, b.client_order_id);
        if (quote !== undefined) quoteSizes.set(o, quote);
      } else throw orderFailed("INVALID_ARGUMENT", "order_configuration: only limit_limit_gtc and market_market_ioc here");
      return {
        success: true,
        success_response: { order_id: String(o.orderId), product_id: book.instId(s), side: o.side, client_order_id: o.clientOrderId },
        order_configuration: b.order_configuration,
      };
    },
    "POST /api/v3/brokerage/orders/batch_cancel": (key, req, book) => {
      mayTrade(key);
      const ids = ((jsonOf(req) as { order_ids?: unknown }).order_ids ?? []) as unknown[];
      return {
        results: ids.map((id) => {
          const o = book.engine.orders.find((x) => String(x.orderId) === String(id));
          if (!o || !(o.status === "NEW" || o.status === "PARTIALLY_FILLED")) return { success: false, failure_reason: "UNKNOWN_CANCEL_ORDER", order_id: String(id) };
          book.cancel(book.engine.market(o.symbol), String(o.orderId), undefined);
          return { success: true, failure_reason: "UNKNOWN_CANCEL_FAILURE_REASON", order_id: String(o.orderId) };
        }),
      };
    },
    "GET /api/v3/brokerage/orders/historical/batch": (_key, req, book) => {
      const q = queryOf(req);
      const ids = [...q.getAll("product_id"), ...q.getAll("product_ids")];
      const symbols = ids.map((id) => product(book, id).symbol);
      const statuses = q.getAll("order_status");
      const orders = book.engine.orders
        .filter((o) => (symbols.length === 0 || symbols.includes(o.symbol)) && (statuses.length === 0 || statuses.includes(STATUS[o.status])))
        .reverse()
        .slice(0, Math.min(Number(q.get("limit") ?? 100), 1000))
        .map((o) => orderJson(book, o));
      return { orders, sequence: "0", has_next: false, cursor: "" };
    },
    "GET /api/v3/brokerage/orders/historical/fills": (_key, req, book) => {
      const q = queryOf(req);
      const ids = [...q.getAll("product_id"), ...q.getAll("product_ids")];
      const symbols = ids.map((id) => product(book, id).symbol);
      const orderIds = [...q.getAll("order_id"), ...q.getAll("order_ids")];
      const start = q.get("start_sequence_timestamp") === null ? -Infinity : Date.parse(q.get("start_sequence_timestamp")!);
      const fills = book.engine.trades
        .filter((t) => (symbols.length === 0 || symbols.includes(t.symbol)) && (orderIds.length === 0 || orderIds.includes(String(t.orderId))) && t.time >= start)
        .reverse()
        .slice(0, Math.min(Number(q.get("limit") ?? 100), 1000))
        .map((t) => fillJson(book, t));
      return { fills, cursor: "" };
    },
    "GET /api/v3/brokerage/orders/historical/{order_id}": (_key, req, book) => {
      const o = book.engine.orders.find((x) => String(x.orderId) === req.params["order_id"]);
      if (!o) throw failed("NOT_FOUND", "order with this orderID was not found", 404);
      return { order: orderJson(book, o) };
    },
    "GET /api/v3/brokerage/key_permissions": (key) => ({
      can_view: key.read,
      can_trade: key.trade,
      can_transfer: key.withdraw,
      portfolio_uuid: "8b5d1a3c-2f51-4d3c-9c8e-4a7f4e2f0b11",
      portfolio_type: "DEFAULT",
    }),
  },
  instId: (s) => `${s.baseAsset}-${s.quoteAsset}`,
  engineReject,
  publicRoutes: {
    "GET /api/v3/brokerage/time": () => {
      const now = Date.now();
      return { iso: iso(now), epochSeconds: String(Math.floor(now / 1000)), epochMillis: String(now) };
    },
    "GET /v2/currencies": () => ({ data: [{ id: "USD", name: "US Dollar", min_size: "0.01" }] }),
    "GET /v2/currencies/crypto": (_req, book) => ({
      data: currencies(book).map((code, i) => ({ asset_id: `5b71fc48-3dd3-540c-809b-f8c94d0e68b${i}`, code, name: code, color: "#000000", sort_index: i, exponent: 8, type: "crypto", address_regex: ".*" })),
    }),
    "GET /v2/exchange-rates": (_req, book) => ({ data: { currency: "USD", rates: Object.fromEntries(currencies(book).map((c) => [c, "1"])) } }),
    "GET /api/v3/brokerage/market/products": (req, book) => {
      // Spot only: the futures listings ccxt also asks for are empty.
      if (queryOf(req).get("product_type") !== null && queryOf(req).get("product_type") !== "SPOT") return { products: [], num_products: 0 };
      const products = book.symbols.map((s) => ({
        product_id: book.instId(s),
        price: dec(book.lastPrice(s)),
        price_percentage_change_24h: "0",
        volume_24h: "0",
        volume_percentage_change_24h: "0",
        base_increment: dec(s.stepSize),
        quote_increment: dec(s.tickSize),
        quote_min_size: dec(s.minNotional),
        quote_max_size: "10000000",
        base_min_size: dec(s.minQty),
        base_max_size: dec(s.maxQty),
        base_name: s.baseAsset,
        quote_name: s.quoteAsset,
        watched: false,
        is_disabled: false,
        new: false,
        status: "online",
        cancel_only: false,
        limit_only: false,
        post_only: false,
        trading_disabled: false,
        auction_mode: false,
        product_type: "SPOT",
        quote_currency_id: s.quoteAsset,
        base_currency_id: s.baseAsset,
        fcm_trading_session_details: null,
        mid_market_price: "",
        alias: "",
        alias_to: [],
        base_display_symbol: s.baseAsset,
        quote_display_symbol: s.quoteAsset,
        view_only: false,
        price_increment: dec(s.tickSize),
      }));
      return { products, num_products: products.length };
    },
    "GET /api/v3/brokerage/market/products/{product_id}/candles": (req, book) => {
      const q = queryOf(req);
      const s = product(book, req.params["product_id"]);
      if (q.get("granularity") !== GRANULARITY[book.interval]) throw failed("INVALID_ARGUMENT", "granularity");
      const start = Number(q.get("start") ?? 0) * 1000;
      const end = q.get("end") === null ? Infinity : Number(q.get("end")) * 1000;
      const rows = book.engine.closedCandles(s.symbol).filter((c) => c[0] >= start && c[0] < end);
      if (rows.length > 350) throw failed("INVALID_ARGUMENT", "number of candles requested should be less than 350");
      // Newest first, start in seconds.
      return { candles: rows.reverse().map((c) => ({ start: String(c[0] / 1000), low: dec(c[3]), high: dec(c[2]), open: dec(c[1]), close: dec(c[4]), volume: dec(c[5]) })) };
    },
  },
  notFound: () => new VenueReply(404, { error: "NOT_FOUND", message: "fake coinbase: no such route" }),
  ws: attachCoinbaseWs,
};
