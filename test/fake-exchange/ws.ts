// The websocket side of the fake Binance, on the same loopback server as its REST API: the kline
// market stream (`…/ws/<n>`, SUBSCRIBE to `btcusdt@kline_1m`) and the WebSocket API's user data
// stream (`…/ws-api/v3`, `userDataStream.subscribe.signature`, then executionReport and
// outboundAccountPosition events wrapped in `{ subscriptionId, event }`) — the two ccxt's binance
// class (4.5.x) uses for spot. Connections and faults are wsHub.ts's, what changed in the engine is
// engineEvents.ts's; this file speaks Binance.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import { round8, type MatchingEngine } from "./engine";
import { trackEngine, type OrderEvent } from "./engineEvents";
import { INTERVAL_MS } from "./market";
import type { Candle, FakeKey, FakeOrder } from "./types";
import { attachWsHub, type FakeWs, type WsConn } from "./wsHub";

export type { FakeWs, WsChannel, WsFault, WsSent } from "./wsHub";

interface BinanceConn {
  /** Market streams subscribed to, e.g. "btcusdt@kline_1m". */
  streams: Set<string>;
  /** User data subscription id, once subscribed. */
  subscriptionId: number | null;
}

const fmt = (x: number) => round8(x).toFixed(8);

export function attachFakeWs(
  server: Server,
  ctx: { engine: MatchingEngine; keys: () => Map<string, FakeKey>; interval: string; intervalMs: number; now: () => number },
): FakeWs {
  let nextSubscriptionId = 0;
  const hub = attachWsHub<BinanceConn>(server, {
    route: (path) => (/\/ws-api\/v3$/.test(path) ? "user" : /\/ws(\/\d+)?$/.test(path) ? "market" : null),
    initial: () => ({ streams: new Set(), subscriptionId: null }),
    onMessage: (conn, text) => onMessage(conn, text),
    now: ctx.now,
  });
  const reply = hub.reply;

  const onMessage = (conn: WsConn<BinanceConn>, text: string) => {
    let msg: { id?: unknown; method?: string; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (conn.channel === "market") {
      if (msg.method === "SUBSCRIBE" && Array.isArray(msg.params)) for (const s of msg.params) conn.state.streams.add(String(s));
      else if (msg.method === "UNSUBSCRIBE" && Array.isArray(msg.params)) for (const s of msg.params) conn.state.streams.delete(String(s));
      reply(conn, { result: null, id: msg.id });
      return;
    }
    if (msg.method === "userDataStream.subscribe.signature") {
      const fault = hub.login(conn);
      if (fault === "ignore") return;
      const error = fault === "refuse" ? { code: -1022, msg: "Signature for this request is not valid." } : verifySignature((msg.params ?? {}) as Record<string, unknown>);
      if (error) {
        reply(conn, { id: msg.id, status: 401, error: { code: error.code, msg: error.msg } });
        return;
      }
      conn.state.subscriptionId = nextSubscriptionId++;
      reply(conn, { id: msg.id, status: 200, result: { subscriptionId: conn.state.subscriptionId } });
      return;
    }
    reply(conn, { id: msg.id, status: 400, error: { code: -1100, msg: `fake exchange: unsupported method ${String(msg.method)}` } });
  };

  /** Binance's WebSocket API signature: HMAC-SHA256 of the other params, sorted, as a query string. */
  const verifySignature = (params: Record<string, unknown>): { code: number; msg: string } | null => {
    const key = ctx.keys().get(String(params["apiKey"] ?? ""));
    if (!key) return { code: -2015, msg: "Invalid API-key, IP, or permissions for action." };
    const payload = Object.keys(params)
      .filter((k) => k !== "signature")
      .sort()
      .map((k) => `${k}=${String(params[k])}`)
      .join("&");
    const expected = createHmac("sha256", key.secret).update(payload).digest();
    const given = Buffer.from(String(params["signature"] ?? ""), "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { code: -1022, msg: "Signature for this request is not valid." };
    if (!key.enableReading) return { code: -2015, msg: "Invalid API-key, IP, or permissions for action." };
    return null;
  };

  // ---------------------------------------------------------------- market stream

  const klineEvent = (symbol: string, interval: string, ms: number, c: Candle, closed: boolean) => ({
    e: "kline",
    E: ctx.now(),
    s: symbol,
    k: {
      t: c[0],
      T: c[0] + ms - 1,
      s: symbol,
      i: interval,
      f: 100,
      L: 200,
      o: fmt(c[1]),
      c: fmt(c[4]),
      h: fmt(c[2]),
      l: fmt(c[3]),
      v: fmt(c[5]),
      n: 100,
      x: closed,
      q: fmt(c[5] * c[4]),
      V: fmt(c[5] / 2),
      Q: fmt((c[5] * c[4]) / 2),
      B: "0",
    },
  });

  const events = trackEngine(ctx.engine, ctx.intervalMs);
  const emitKline = (symbol: string, interval: string, ms: number, candle: Candle, closed: boolean) => {
    const stream = `${symbol.toLowerCase()}@kline_${interval}`;
    const ev = klineEvent(symbol, interval, ms, candle, closed);
    hub.emit("market", "kline", ev, (conn) => conn.state.streams.has(stream), () => ev);
  };
  const publishCandles = () => {
    for (const c of events.closedCandles()) emitKline(c.symbol, c.interval, c.intervalMs, c.candle, true);
    // The candle now forming: its first update (open price only), as Binance pushes one right after the close.
    for (const c of events.forming()) emitKline(c.symbol, c.interval, c.intervalMs, c.candle, false);
  };

  // ---------------------------------------------------------------- user data stream

  const report = (o: FakeOrder, exec: string, status: string, trade: FakeOrder["trades"][number] | undefined, cumQty: number, cumQuote: number) => ({
    e: "executionReport",
    E: ctx.now(),
    s: o.symbol,
    c: o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce ?? "GTC",
    q: fmt(o.origQty),
    p: fmt(o.price),
    P: fmt(o.stopPrice),
    F: "0.00000000",
    g: o.orderListId,
    C: "",
    x: exec,
    X: status,
    r: "NONE",
    i: o.orderId,
    l: fmt(trade?.qty ?? 0),
    z: fmt(cumQty),
    L: fmt(trade?.price ?? 0),
    n: fmt(trade?.commission ?? 0),
    N: trade?.commissionAsset ?? null,
    T: trade?.time ?? o.updateTime,
    t: trade?.id ?? -1,
    I: o.orderId * 10 + (trade ? 1 : 0),
    w: status === "NEW" || status === "PARTIALLY_FILLED",
    m: trade?.isMaker ?? false,
    M: false,
    O: o.time,
    Z: fmt(cumQuote),
    Y: fmt((trade?.price ?? 0) * (trade?.qty ?? 0)),
    Q: "0.00000000",
    W: o.time,
    V: "EXPIRE_MAKER",
  });

  const userEvent = (event: string, payload: Record<string, unknown>) =>
    hub.emit("user", event, payload, (c) => c.state.subscriptionId !== null, (c) => ({ subscriptionId: c.state.subscriptionId, event: payload }));

  const reportOf = (e: OrderEvent) =>
    e.kind === "new"
      ? report(e.order, "NEW", "NEW", undefined, 0, 0)
      : e.kind === "trade"
        ? report(e.order, "TRADE", e.status, e.trade, e.cumQty, e.cumQuote)
        : report(e.order, e.status, e.status, undefined, e.order.executedQty, e.order.cummulativeQuoteQty);

  const publishOrders = () => {
    const changes = events.orderEvents();
    for (const e of changes) userEvent("executionReport", reportOf(e));
    if (changes.length > 0) {
      userEvent("outboundAccountPosition", {
        e: "outboundAccountPosition",
        E: ctx.now(),
        u: ctx.now(),
        B: [...ctx.engine.balances.entries()].map(([a, b]) => ({ a, f: fmt(b.free), l: fmt(b.locked) })),
      });
    }
  };

  return {
    publish() {
      publishCandles();
      publishOrders();
    },
    ...hub.controls,
  };
}

export { INTERVAL_MS };
