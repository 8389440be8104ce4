// The websocket side of the fake KuCoin (classic account, spot), as ccxt's kucoin class (4.5.x) speaks
// it: ccxt first asks REST for a token (POST /api/v1/bullet-public, or the signed bullet-private: the
// key's signature is checked there), connects to the endpoint it names with the token in the query,
// gets `{type: "welcome"}`, subscribes (`{id, type: "subscribe", topic, response: true}` → `{id, type: "ack"}`)
// and pings (`{id, type: "ping"}` → pong). Topics: `/market/candles:BTC-USDT_1min` (subject
// "trade.candles.update": the forming candle, pushed on every change, no closed flag — the last push of
// a candle holds its final values) and, on a private token only, `/spotMarket/tradeOrders` (subject
// "orderChange": open, match with the trade, filled, canceled; a stop only once triggered, as the market
// order it became — ccxt reads /spotMarket/advancedOrders only for watchOrders with `trigger`, which
// Keyflow does not call, so the fake does not serve it). An unknown token is answered with an
// error and closed. Connections and faults are wsHub.ts's, what changed in the engine engineEvents.ts's.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { trackEngine, type OrderEvent } from "../engineEvents";
import type { Candle } from "../types";
import { attachWsHub, type FakeWs, type WsConn } from "../wsHub";
import { dec } from "./book";
import { KUCOIN_TYPE } from "./kucoin";
import { isAlgo as isStop } from "./okxAlgo";
import type { VenueWsContext } from "./types";

/** The path of the endpoint the bullet endpoints name (KuCoin's `wss://ws-api-spot.kucoin.com/`). */
export const KUCOIN_WS_PATH = "/ws-api-spot.kucoin.com/";

interface KucoinConn {
  /** The API key of a private token, null for a public one; undefined: the token is unknown. */
  apiKey: string | null | undefined;
  topics: Set<string>;
}

/** A token for bullet-public / bullet-private, as KuCoin issues them (long, opaque). */
export function issueKucoinToken(tokens: Map<string, string | null>, apiKey: string | null): string {
  const token = randomBytes(48).toString("base64url");
  tokens.set(token, apiKey);
  return token;
}

export function attachKucoinWs(server: Server, ctx: VenueWsContext): FakeWs {
  const tokens = ctx.book.wsTokens;
  const hub = attachWsHub<KucoinConn>(server, {
    route: (path, query) => (path === KUCOIN_WS_PATH ? (tokens.get(query.get("token") ?? "") ? "user" : "market") : null),
    initial: (_channel, _path, query) => ({ apiKey: tokens.has(query.get("token") ?? "") ? tokens.get(query.get("token") ?? "")! : undefined, topics: new Set() }),
    onOpen: (conn) => {
      // A private token is KuCoin's login: the connection that carries it is answered (welcome) or refused.
      const fault = typeof conn.state.apiKey === "string" ? hub.login(conn) : null;
      if (fault === "ignore") return;
      if (fault === "refuse") tokens.delete(conn.query.get("token") ?? "");
      if (fault === "refuse" || conn.state.apiKey === undefined) {
        hub.reply(conn, { id: connectId(conn), type: "error", code: 401, data: "token is expired" });
        conn.socket.close();
        return;
      }
      hub.reply(conn, { id: connectId(conn), type: "welcome" });
    },
    onMessage: (conn, text) => onMessage(conn, text),
    now: ctx.now,
  });
  const reply = hub.reply;
  const connectId = (conn: WsConn<KucoinConn>) => conn.query.get("connectId") ?? "";

  const onMessage = (conn: WsConn<KucoinConn>, text: string) => {
    let msg: { id?: string; type?: string; topic?: string; privateChannel?: boolean };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (conn.state.apiKey === undefined) return;
    if (msg.type === "ping") {
      reply(conn, { id: msg.id, type: "pong", timestamp: ctx.now() * 1000 });
      return;
    }
    if (msg.type === "subscribe" || msg.type === "unsubscribe") {
      const topic = String(msg.topic ?? "");
      if (topic.startsWith("/spotMarket/") && conn.state.apiKey === null) {
        reply(conn, { id: msg.id, type: "error", code: 401, data: "Authentication required: use a private token for private topics" });
        return;
      }
      if (!/^\/market\/candles:|^\/spotMarket\/tradeOrders$/.test(topic)) {
        reply(conn, { id: msg.id, type: "error", code: 404, data: `topic ${topic} is not supported by the fake` });
        return;
      }
      if (msg.type === "subscribe") conn.state.topics.add(topic);
      else conn.state.topics.delete(topic);
      reply(conn, { id: msg.id, type: "ack" });
      return;
    }
    reply(conn, { id: msg.id, type: "error", code: 415, data: "type is not supported" });
  };

  // ---------------------------------------------------------------- market stream

  const events = trackEngine(ctx.engine, ctx.intervalMs);
  const emitCandle = (symbol: string, interval: string, c: Candle) => {
    const type = KUCOIN_TYPE[interval];
    const s = ctx.engine.symbols.get(symbol);
    if (!type || !s) return;
    const id = ctx.book.instId(s);
    const topic = `/market/candles:${id}_${type}`;
    const data = { symbol: id, candles: [String(c[0] / 1000), dec(c[1]), dec(c[4]), dec(c[2]), dec(c[3]), dec(c[5]), dec(c[5] * c[4])], time: ctx.now() * 1_000_000 };
    hub.emit("market", "trade.candles.update", { topic, ...data }, (conn) => conn.state.topics.has(topic), () => ({ type: "message", topic, subject: "trade.candles.update", data }));
  };

  // ---------------------------------------------------------------- private stream

  const ORDERS = "/spotMarket/tradeOrders";
  const orderChange = (e: OrderEvent, type: string, extra: Record<string, unknown> = {}) => {
    const o = e.order;
    const s = ctx.engine.market(o.symbol);
    const filled = e.kind === "trade" ? e.cumQty : o.executedQty;
    const done = type === "filled" || type === "canceled";
    const data = {
      symbol: ctx.book.instId(s),
      orderType: o.type === "LIMIT" ? "limit" : "market",
      side: o.side === "BUY" ? "buy" : "sell",
      orderId: String(o.orderId),
      type,
      orderTime: o.time * 1_000_000,
      size: dec(o.origQty),
      filledSize: dec(filled),
      price: o.type === "LIMIT" ? dec(o.price) : "0",
      clientOid: o.clientOrderId,
      remainSize: dec(done ? 0 : o.origQty - filled),
      status: done ? "done" : type === "match" ? "match" : "open",
      ts: ctx.now() * 1_000_000,
      ...extra,
    };
    hub.emit("user", "orderChange", data, (c) => typeof c.state.apiKey === "string" && c.state.topics.has(ORDERS), () => ({ type: "message", topic: ORDERS, subject: "orderChange", channelType: "private", data }));
  };

  const publishOrders = () => {
    for (const e of events.orderEvents()) {
      // A stop waiting in the stop book is no trade order: the order it became is pushed once triggered (its first fill).
      if (isStop(e.order) && e.kind !== "trade") continue;
      if (e.kind === "new") orderChange(e, "open");
      else if (e.kind === "trade") {
        const t = e.trade;
        if (isStop(e.order) && e.trade === e.order.trades[0]) orderChange({ kind: "new", order: e.order }, "open", { filledSize: "0", remainSize: dec(e.order.origQty) });
        orderChange(e, "match", { matchPrice: dec(t.price), matchSize: dec(t.qty), tradeId: String(t.id), liquidity: t.isMaker ? "maker" : "taker" });
        if (e.status === "FILLED") orderChange(e, "filled");
      } else orderChange(e, "canceled");
    }
  };

  return {
    publish() {
      // A candle's last push holds its final values; the next candle's first push (open price only) follows it.
      for (const c of events.closedCandles()) emitCandle(c.symbol, c.interval, c.candle);
      for (const c of events.forming()) emitCandle(c.symbol, c.interval, c.candle);
      publishOrders();
    },
    ...hub.controls,
  };
}
