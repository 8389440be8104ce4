// The websocket side of the fake Bitget (v2, classic account), on the venue fake's loopback server, as
// ccxt's bitget pro class (4.5.x) speaks it: `…/ws.bitget.com/v2/ws/public` takes
// `{op:"subscribe", args:[{instType:"SPOT", channel:"candle1m", instId}]}` and pushes candle rows
// (`action` snapshot, then update; `ts` is the server's time — Bitget marks no candle closed, a row
// pushed after its interval ended is final); `…/v2/ws/private` wants `{op:"login"}` first (apiKey,
// passphrase, timestamp in seconds, sign = base64 HMAC-SHA256 of timestamp + "GET/user/verify"; a
// wrong one is answered `{event:"error", code:30015}`), then the `orders` channel (instId "default")
// pushes each order's state with its last fill (a plan order, a stop, only once triggered: the market
// order it became; ccxt's watchOrders reads plan orders on "orders-algo" only when asked for trigger
// orders, which Keyflow does not). Both answer the text "ping" with "pong".
import type { Server } from "node:http";
import { trackEngine, type OrderEvent } from "../engineEvents";
import type { Candle } from "../types";
import { attachWsHub, type FakeWs, type WsConn } from "../wsHub";
import { bitgetOrderJson } from "./bitget";
import { dec } from "./book";
import { isAlgo as isPlan } from "./okxAlgo";
import { hmacSha256, sameSignature } from "./hmac";
import type { VenueWsContext } from "./types";

interface Arg {
  instType: string;
  channel: string;
  instId: string;
}

interface BitgetConn {
  /** Subscribed channels, as "channel|instId". */
  subscribed: Set<string>;
  /** The API key a private connection logged in with. */
  apiKey: string | null;
}

/** Bitget's websocket interval names of the engine's intervals ("candle1H"). */
const WS_INTERVAL: Record<string, string> = { "1m": "1m", "5m": "5m", "15m": "15m", "1h": "1H", "4h": "4H", "1d": "1D" };

const STATUS: Record<string, string> = { NEW: "live", PARTIALLY_FILLED: "partially_filled", FILLED: "filled", CANCELED: "cancelled", EXPIRED: "cancelled" };

const row = (c: Candle) => [String(c[0]), dec(c[1]), dec(c[2]), dec(c[3]), dec(c[4]), dec(c[5]), dec(c[5] * c[4]), dec(c[5] * c[4])];

export function attachBitgetWs(server: Server, ctx: VenueWsContext): FakeWs {
  const hub = attachWsHub<BitgetConn>(server, {
    route: (path) => (path === "/ws.bitget.com/v2/ws/public" ? "market" : path === "/ws.bitget.com/v2/ws/private" ? "user" : null),
    initial: () => ({ subscribed: new Set(), apiKey: null }),
    onMessage: (conn, text) => onMessage(conn, text),
    now: ctx.now,
  });
  const { reply } = hub;
  const error = (conn: WsConn<BitgetConn>, code: number, msg: string, op?: string) => reply(conn, { event: "error", code, msg, ...(op ? { op } : {}) });

  const login = (conn: WsConn<BitgetConn>, a: Record<string, unknown>): void => {
    const fault = hub.login(conn);
    if (fault === "ignore") return;
    if (fault === "refuse") return error(conn, 30015, "Invalid sign", "login");
    const key = ctx.keys.get(String(a["apiKey"] ?? ""));
    if (!key) return error(conn, 30011, "Invalid ACCESS_KEY", "login");
    if (a["passphrase"] !== key.passphrase) return error(conn, 30012, "Invalid ACCESS_PASSPHRASE", "login");
    const timestamp = String(a["timestamp"] ?? "");
    if (!(Math.abs(ctx.now() / 1000 - Number(timestamp)) <= 30)) return error(conn, 30014, "Request timestamp expired", "login");
    if (!sameSignature(String(a["sign"] ?? ""), hmacSha256(key.secret, `${timestamp}GET/user/verify`, "base64"))) return error(conn, 30015, "Invalid sign", "login");
    conn.state.apiKey = key.apiKey;
    reply(conn, { event: "login", code: 0, msg: "" });
  };

  const onMessage = (conn: WsConn<BitgetConn>, text: string) => {
    if (text === "ping") return reply(conn, "pong");
    let msg: { op?: unknown; args?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return error(conn, 30016, "Param error");
    }
    const args = Array.isArray(msg.args) ? (msg.args as Record<string, unknown>[]) : [];
    if (msg.op === "login" && conn.channel === "user") return login(conn, args[0] ?? {});
    if (msg.op !== "subscribe" && msg.op !== "unsubscribe") return error(conn, 30003, "invalid op");
    for (const raw of args) {
      const arg: Arg = { instType: String(raw["instType"] ?? ""), channel: String(raw["channel"] ?? ""), instId: String(raw["instId"] ?? "") };
      if (conn.channel === "user" && conn.state.apiKey === null) {
        error(conn, 30004, "requires login");
        continue;
      }
      const known = conn.channel === "market" ? /^candle/.test(arg.channel) && ctx.book.symbolOf(arg.instId) !== undefined : arg.channel === "orders";
      if (arg.instType !== "SPOT" || !known) {
        error(conn, 30001, `instType:${arg.instType},channel:${arg.channel},instId:${arg.instId} doesn't exist`);
        continue;
      }
      const id = `${arg.channel}|${arg.instId}`;
      if (msg.op === "unsubscribe") {
        conn.state.subscribed.delete(id);
        reply(conn, { event: "unsubscribe", arg });
        continue;
      }
      conn.state.subscribed.add(id);
      reply(conn, { event: "subscribe", arg });
      if (conn.channel === "market") snapshot(conn, arg);
    }
  };

  // ---------------------------------------------------------------- candles

  /** On subscribing, Bitget pushes the latest candles (the forming one last). */
  const snapshot = (conn: WsConn<BitgetConn>, arg: Arg) => {
    const s = ctx.book.symbolOf(arg.instId)!;
    if (arg.channel !== `candle${WS_INTERVAL[ctx.interval]}`) return;
    const rows = ctx.engine.closedCandles(s.symbol).slice(-5).map(row);
    const next = ctx.engine.candles[s.symbol]?.[ctx.engine.closed];
    if (next) rows.push(row([next[0], next[1], next[1], next[1], next[1], 0]));
    reply(conn, { action: "snapshot", arg, data: rows, ts: serverTs() });
  };

  const events = trackEngine(ctx.engine, ctx.intervalMs);
  /**
   * The server's clock as its pushes carry it: within the candle now forming (a test's clock may lag
   * or lead the candles; the fake's time is the candles').
   */
  const serverTs = () => {
    const symbol = [...ctx.engine.symbols.keys()][0]!;
    const last = ctx.engine.closed > 0 ? ctx.engine.candles[symbol]?.[ctx.engine.closed - 1] : undefined;
    if (!last) return ctx.now();
    const formingFrom = last[0] + ctx.intervalMs;
    return Math.min(Math.max(ctx.now(), formingFrom), formingFrom + ctx.intervalMs - 1);
  };
  const pushCandle = (symbol: string, interval: string, candle: Candle) => {
    const s = ctx.engine.market(symbol);
    const arg: Arg = { instType: "SPOT", channel: `candle${WS_INTERVAL[interval] ?? interval}`, instId: ctx.book.instId(s) };
    const payload = { action: "update", arg, data: [row(candle)], ts: serverTs() };
    hub.emit("market", "candle", payload, (c) => c.state.subscribed.has(`${arg.channel}|${arg.instId}`), () => payload);
  };

  // ---------------------------------------------------------------- orders

  /** An order as the orders channel pushes it: the REST fields, plus the fill this push reports. */
  const orderPush = (e: OrderEvent) => {
    const o = e.order;
    const base = bitgetOrderJson(ctx.book, o);
    const trade = e.kind === "trade" ? e.trade : undefined;
    const cumQty = e.kind === "trade" ? e.cumQty : e.kind === "new" ? 0 : o.executedQty;
    const cumQuote = e.kind === "trade" ? e.cumQuote : e.kind === "new" ? 0 : o.cummulativeQuoteQty;
    return {
      instId: base.symbol,
      orderId: base.orderId,
      clientOid: base.clientOid,
      ...(o.type === "LIMIT" ? { price: base.price } : {}),
      size: base.size,
      newSize: base.size,
      notional: dec(o.type === "LIMIT" ? o.origQty * o.price : cumQuote),
      orderType: base.orderType,
      force: o.type === "LIMIT" ? "gtc" : "ioc",
      side: base.side,
      ...(trade
        ? {
            fillPrice: dec(trade.price),
            tradeId: String(trade.id),
            baseVolume: dec(trade.qty),
            fillTime: String(trade.time),
            fillFee: trade.commission > 0 ? `-${dec(trade.commission)}` : "0",
            fillFeeCoin: trade.commissionAsset,
            tradeScope: trade.isMaker ? "M" : "T",
          }
        : {}),
      accBaseVolume: dec(cumQty),
      priceAvg: cumQty > 0 ? dec(cumQuote / cumQty) : "0",
      status: e.kind === "trade" ? STATUS[e.status] : e.kind === "new" ? "live" : STATUS[e.status],
      cTime: base.cTime,
      uTime: String(trade?.time ?? o.updateTime),
      feeDetail: trade && trade.commission > 0 ? [{ feeCoin: trade.commissionAsset, fee: `-${dec(trade.commission)}` }] : [],
      enterPointSource: "API",
    };
  };

  const publishOrders = () => {
    for (const e of events.orderEvents()) {
      // A plan order waiting for its trigger is not an ordinary order: only the market order it became (its fills) is pushed.
      if (isPlan(e.order) && e.kind !== "trade") continue;
      const arg: Arg = { instType: "SPOT", channel: "orders", instId: "default" };
      const payload = { action: "snapshot", arg, data: [orderPush(e)], ts: ctx.now() };
      hub.emit("user", "orders", payload, (c) => c.state.apiKey !== null && c.state.subscribed.has("orders|default"), () => payload);
    }
  };

  return {
    publish() {
      for (const c of events.closedCandles()) pushCandle(c.symbol, c.interval, c.candle);
      for (const c of events.forming()) pushCandle(c.symbol, c.interval, c.candle);
      publishOrders();
    },
    ...hub.controls,
  };
}
