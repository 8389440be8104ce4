// The websocket side of the fake Binance, on the same loopback server as its REST API: the kline
// market stream (`…/ws/<n>`, SUBSCRIBE to `btcusdt@kline_1m`) and the WebSocket API's user data
// stream (`…/ws-api/v3`, `userDataStream.subscribe.signature`, then executionReport and
// outboundAccountPosition events wrapped in `{ subscriptionId, event }`) — the two ccxt's binance
// class (4.5.x) uses for spot. Order events are found by comparing the engine's orders and trades with
// what was last published, so the matching engine knows nothing of websockets. Fault controls drop,
// delay, duplicate and reorder messages and cut connections.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { round8, type MatchingEngine } from "./engine";
import { INTERVAL_MS } from "./market";
import type { Candle, FakeKey, FakeOrder } from "./types";

/** Which connections a fault or a record concerns. */
export type WsChannel = "market" | "user";

export type WsFault =
  /** The next `times` messages are never sent. */
  | { kind: "drop"; times?: number }
  /** The next `times` messages are sent `ms` later. */
  | { kind: "delay"; ms: number; times?: number }
  /** The next `times` messages are sent twice. */
  | { kind: "duplicate"; times?: number }
  /** The next message is held back and sent after the one following it (`times` messages; a held one is never held twice). */
  | { kind: "reorder"; times?: number };

/** A message the fake published, as it was handed to the connection (after faults). */
export interface WsSent {
  channel: WsChannel;
  /** Server clock (Date.now() + skew) when it was written to the socket. */
  at: number;
  /** The event: "kline", "executionReport", "outboundAccountPosition". */
  event: string;
  payload: Record<string, unknown>;
}

export interface FakeWs {
  /** Publishes what changed in the engine since the last call (orders, trades, balances, closed candles). */
  publish(): void;
  faults: {
    inject(fault: WsFault, channel?: WsChannel): void;
    clear(): void;
  };
  /** Closes every websocket connection (of one channel), as a network cut would. */
  cut(channel?: WsChannel): void;
  /** Refuses new connections while true (a cut that lasts). */
  refuse(on: boolean): void;
  /** Every message written to a socket, oldest first. */
  sent: WsSent[];
  /** Open connections (of one channel). */
  connections(channel?: WsChannel): number;
  close(): void;
}

interface Conn {
  socket: WebSocket;
  channel: WsChannel;
  /** Market streams subscribed to, e.g. "btcusdt@kline_1m". */
  streams: Set<string>;
  /** User data subscription id, once subscribed. */
  subscriptionId: number | null;
}

interface Pending {
  fault: WsFault;
  channel: WsChannel | undefined;
  left: number;
}

const fmt = (x: number) => round8(x).toFixed(8);

export function attachFakeWs(
  server: Server,
  ctx: { engine: MatchingEngine; keys: () => Map<string, FakeKey>; interval: string; intervalMs: number; now: () => number },
): FakeWs {
  const wss = new WebSocketServer({ noServer: true });
  const conns = new Set<Conn>();
  const pending: Pending[] = [];
  const sent: WsSent[] = [];
  let refusing = false;
  let nextSubscriptionId = 0;
  /** A message held back by a reorder fault, per channel. */
  const held = new Map<WsChannel, () => void>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0]!;
    const channel: WsChannel | null = /\/ws-api\/v3$/.test(path) ? "user" : /\/ws(\/\d+)?$/.test(path) ? "market" : null;
    if (!channel || refusing) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { socket: ws, channel, streams: new Set(), subscriptionId: null };
      conns.add(conn);
      ws.on("close", () => conns.delete(conn));
      ws.on("error", () => conns.delete(conn));
      ws.on("message", (data) => onMessage(conn, String(data)));
    });
  };
  server.on("upgrade", onUpgrade);

  const reply = (conn: Conn, body: unknown) => {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(body));
  };

  const onMessage = (conn: Conn, text: string) => {
    let msg: { id?: unknown; method?: string; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (conn.channel === "market") {
      if (msg.method === "SUBSCRIBE" && Array.isArray(msg.params)) for (const s of msg.params) conn.streams.add(String(s));
      else if (msg.method === "UNSUBSCRIBE" && Array.isArray(msg.params)) for (const s of msg.params) conn.streams.delete(String(s));
      reply(conn, { result: null, id: msg.id });
      return;
    }
    if (msg.method === "userDataStream.subscribe.signature") {
      const error = verifySignature((msg.params ?? {}) as Record<string, unknown>);
      if (error) {
        reply(conn, { id: msg.id, status: 401, error: { code: error.code, msg: error.msg } });
        return;
      }
      conn.subscriptionId = nextSubscriptionId++;
      reply(conn, { id: msg.id, status: 200, result: { subscriptionId: conn.subscriptionId } });
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

  const takeFault = (channel: WsChannel): WsFault | undefined => {
    const i = pending.findIndex((p) => p.channel === undefined || p.channel === channel);
    if (i < 0) return undefined;
    const p = pending[i]!;
    p.left -= 1;
    if (p.left <= 0) pending.splice(i, 1);
    return p.fault;
  };

  /** Hands one event to the connections that want it, through the injected faults. */
  const emit = (channel: WsChannel, event: string, payload: Record<string, unknown>, wants: (c: Conn) => boolean, frame: (c: Conn) => unknown) => {
    const targets = [...conns].filter((c) => c.channel === channel && wants(c));
    if (targets.length === 0) return;
    const write = () => {
      sent.push({ channel, at: ctx.now(), event, payload });
      for (const c of targets) reply(c, frame(c));
    };
    const fault = takeFault(channel);
    const release = () => {
      const h = held.get(channel);
      if (h) {
        held.delete(channel);
        h();
      }
    };
    if (fault?.kind === "drop") return;
    if (fault?.kind === "reorder" && !held.has(channel)) {
      held.set(channel, write);
      return;
    }
    if (fault?.kind === "delay") {
      setTimeout(() => {
        write();
        release();
      }, fault.ms);
      return;
    }
    write();
    if (fault?.kind === "duplicate") write();
    release();
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

  /** Candles of a longer interval closed by the base candle `c` (its bucket ends with it), built like the REST klines. */
  const bucketClosedBy = (symbol: string, index: number, ms: number): Candle | null => {
    const rows = ctx.engine.candles[symbol] ?? [];
    const c = rows[index]!;
    if ((c[0] + ctx.intervalMs) % ms !== 0) return null;
    const start = c[0] + ctx.intervalMs - ms;
    const out: Candle = [start, 0, -Infinity, Infinity, 0, 0];
    let first = true;
    for (let i = index; i >= 0 && rows[i]![0] >= start; i--) {
      const r = rows[i]!;
      out[1] = r[1];
      out[2] = Math.max(out[2], r[2]);
      out[3] = Math.min(out[3], r[3]);
      if (first) out[4] = r[4];
      out[5] += r[5];
      first = false;
    }
    return out;
  };

  let publishedClosed = ctx.engine.closed;
  const publishCandles = () => {
    const engine = ctx.engine;
    for (let i = publishedClosed; i < engine.closed; i++) {
      for (const symbol of engine.symbols.keys()) {
        const c = engine.candles[symbol]?.[i];
        if (!c) continue;
        for (const [interval, ms] of Object.entries(INTERVAL_MS)) {
          if (ms < ctx.intervalMs || ms % ctx.intervalMs !== 0) continue;
          const candle = ms === ctx.intervalMs ? c : bucketClosedBy(symbol, i, ms);
          if (!candle) continue;
          const stream = `${symbol.toLowerCase()}@kline_${interval}`;
          const ev = klineEvent(symbol, interval, ms, candle, true);
          emit("market", "kline", ev, (conn) => conn.streams.has(stream), () => ev);
        }
      }
    }
    if (engine.closed > publishedClosed) {
      // The candle now forming: its first update (open price only), as Binance pushes one right after the close.
      for (const symbol of engine.symbols.keys()) {
        const next = engine.candles[symbol]?.[engine.closed];
        if (!next) continue;
        const stream = `${symbol.toLowerCase()}@kline_${ctx.interval}`;
        const ev = klineEvent(symbol, ctx.interval, ctx.intervalMs, [next[0], next[1], next[1], next[1], next[1], 0], false);
        emit("market", "kline", ev, (conn) => conn.streams.has(stream), () => ev);
      }
    }
    publishedClosed = engine.closed;
  };

  // ---------------------------------------------------------------- user data stream

  /** What was last published per order: status and number of trades. */
  const seen = new Map<number, { status: string; trades: number }>();
  for (const o of ctx.engine.orders) seen.set(o.orderId, { status: o.status, trades: o.trades.length });

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
    emit("user", event, payload, (c) => c.subscriptionId !== null, (c) => ({ subscriptionId: c.subscriptionId, event: payload }));

  const publishOrders = () => {
    let changed = false;
    for (const o of ctx.engine.orders) {
      const before = seen.get(o.orderId) ?? { status: "", trades: 0 };
      if (before.status === o.status && before.trades === o.trades.length) continue;
      changed = true;
      if (before.status === "") userEvent("executionReport", report(o, "NEW", "NEW", undefined, 0, 0));
      let cumQty = o.trades.slice(0, before.trades).reduce((s, t) => s + t.qty, 0);
      let cumQuote = o.trades.slice(0, before.trades).reduce((s, t) => s + t.quoteQty, 0);
      for (let i = before.trades; i < o.trades.length; i++) {
        const t = o.trades[i]!;
        cumQty += t.qty;
        cumQuote += t.quoteQty;
        const last = i === o.trades.length - 1;
        const status = last && (o.status === "FILLED" || o.status === "PARTIALLY_FILLED") ? o.status : "PARTIALLY_FILLED";
        userEvent("executionReport", report(o, "TRADE", status, t, cumQty, cumQuote));
      }
      if (o.status === "CANCELED" || o.status === "EXPIRED") userEvent("executionReport", report(o, o.status, o.status, undefined, o.executedQty, o.cummulativeQuoteQty));
      seen.set(o.orderId, { status: o.status, trades: o.trades.length });
    }
    if (changed) {
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
    faults: {
      inject(fault, channel) {
        pending.push({ fault, channel, left: fault.times ?? 1 });
      },
      clear() {
        pending.splice(0);
        for (const [ch, h] of [...held]) {
          held.delete(ch);
          h();
        }
      },
    },
    cut(channel) {
      for (const c of [...conns]) if (channel === undefined || c.channel === channel) c.socket.terminate();
    },
    refuse(on) {
      refusing = on;
    },
    sent,
    connections: (channel) => [...conns].filter((c) => channel === undefined || c.channel === channel).length,
    close() {
      server.off("upgrade", onUpgrade);
      for (const c of conns) c.socket.terminate();
      wss.close();
    },
  };
}

export { INTERVAL_MS };
