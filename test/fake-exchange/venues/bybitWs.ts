// The websocket side of the fake Bybit (v5), as ccxt's bybit class (4.5.x) speaks it for spot on a
// unified account: the public spot stream (`…/v5/public/spot`, `{op: "subscribe", args: ["kline.1.BTCUSDT"]}`;
// a kline says `confirm: true` once its candle closed) and the private stream (`…/v5/private`,
// `{op: "auth", args: [apiKey, expires, hex HMAC-SHA256 of "GET/realtime" + expires]}`, then the
// "order" and "execution" topics, each message the full order / execution as the REST API writes it,
// with `category: "spot"`). Heartbeats are `{op: "ping"}` answered with a pong. Connections and faults
// are wsHub.ts's, what changed in the engine engineEvents.ts's; this file speaks Bybit.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { trackEngine, type OrderEvent } from "../engineEvents";
import type { Candle } from "../types";
import { attachWsHub, type FakeWs, type WsConn } from "../wsHub";
import { dec } from "./book";
import { BYBIT_INTERVAL, bybitExecutionJson, bybitOrderJson } from "./bybit";
import { hmacSha256, sameSignature } from "./hmac";
import type { VenueWsContext } from "./types";

interface BybitConn {
  connId: string;
  topics: Set<string>;
  /** The API key this private connection authenticated as. */
  apiKey: string | null;
}

export function attachBybitWs(server: Server, ctx: VenueWsContext): FakeWs {
  const hub = attachWsHub<BybitConn>(server, {
    route: (path) => (/\/v5\/public\/spot$/.test(path) ? "market" : /\/v5\/private$/.test(path) ? "user" : null),
    initial: () => ({ connId: randomUUID(), topics: new Set(), apiKey: null }),
    onMessage: (conn, text) => onMessage(conn, text),
    now: ctx.now,
  });
  const reply = hub.reply;

  /** Bybit's websocket auth: the key exists, `expires` is in the future, the signature matches, the key may read. */
  const authError = (args: unknown[]): string | null => {
    const [apiKey, expires, signature] = args.map(String);
    const key = ctx.keys.get(apiKey ?? "");
    if (!key) return "error:USVC1111";
    if (!(Number(expires) > ctx.now())) return "Params Error";
    if (!sameSignature(signature, hmacSha256(key.secret, `GET/realtime${expires}`, "hex"))) return "error sign!";
    if (!key.read) return "Permission denied for current apikey";
    return null;
  };

  const onMessage = (conn: WsConn<BybitConn>, text: string) => {
    let msg: { op?: string; req_id?: string; args?: unknown[] };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    const base = { conn_id: conn.state.connId, req_id: msg.req_id, op: msg.op };
    if (msg.op === "ping") {
      // The public stream answers in the old shape, the private one with op "pong" (ccxt takes both).
      if (conn.channel === "market") reply(conn, { success: true, ret_msg: "pong", ...base });
      else reply(conn, { req_id: msg.req_id, op: "pong", args: [String(ctx.now())], conn_id: conn.state.connId });
      return;
    }
    if (msg.op === "auth" && conn.channel === "user") {
      const fault = hub.login(conn);
      if (fault === "ignore") return;
      const error = fault === "refuse" ? "error sign!" : authError(msg.args ?? []);
      if (!error) conn.state.apiKey = String(msg.args?.[0]);
      reply(conn, { success: error === null, ret_msg: error ?? "", ...base });
      return;
    }
    if (msg.op === "subscribe" || msg.op === "unsubscribe") {
      if (conn.channel === "user" && conn.state.apiKey === null) {
        reply(conn, { success: false, ret_msg: "Request not authorized", ...base });
        return;
      }
      for (const t of msg.args ?? []) {
        if (msg.op === "subscribe") conn.state.topics.add(String(t));
        else conn.state.topics.delete(String(t));
      }
      reply(conn, { success: true, ret_msg: "", ...base });
      return;
    }
    reply(conn, { success: false, ret_msg: `error:handler not found (${String(msg.op)})`, ...base });
  };

  // ---------------------------------------------------------------- market stream

  const events = trackEngine(ctx.engine, ctx.intervalMs);
  const emitKline = (symbol: string, interval: string, ms: number, c: Candle, confirm: boolean) => {
    const id = BYBIT_INTERVAL[interval];
    const s = ctx.engine.symbols.get(symbol);
    if (!id || !s) return;
    const topic = `kline.${id}.${ctx.book.instId(s)}`;
    const now = ctx.now();
    const k = { start: c[0], end: c[0] + ms - 1, interval: id, open: dec(c[1]), close: dec(c[4]), high: dec(c[2]), low: dec(c[3]), volume: dec(c[5]), turnover: dec(c[5] * c[4]), confirm, timestamp: now };
    hub.emit("market", "kline", { topic, ...k }, (conn) => conn.state.topics.has(topic), () => ({ topic, data: [k], ts: now, type: "snapshot" }));
  };

  // ---------------------------------------------------------------- private stream

  /** An order as of one event: the order's figures up to that event (a later trade is not in it yet). */
  const orderAt = (e: OrderEvent) => {
    const o = bybitOrderJson(ctx.book, e.order);
    if (e.kind === "new") return { ...o, orderStatus: e.order.stopPrice > 0 ? "Untriggered" : "New", cumExecQty: "0", cumExecValue: "0", cumExecFee: "0", avgPrice: "0", leavesQty: dec(e.order.origQty) };
    if (e.kind === "trade") {
      const status = e.status === "FILLED" ? "Filled" : "PartiallyFilled";
      return { ...o, orderStatus: status, cumExecQty: dec(e.cumQty), cumExecValue: dec(e.cumQuote), avgPrice: dec(e.cumQuote / e.cumQty), leavesQty: dec(e.status === "FILLED" ? 0 : e.order.origQty - e.cumQty) };
    }
    return o;
  };

  // One account per fake: every authenticated key hears its orders.
  const userEvent = (topic: "order" | "execution", data: Record<string, unknown>) =>
    hub.emit(
      "user",
      topic,
      data,
      (c) => c.state.apiKey !== null && c.state.topics.has(topic),
      () => ({ id: randomUUID(), topic, creationTime: ctx.now(), data: [data] }),
    );

  const publishOrders = () => {
    for (const e of events.orderEvents()) {
      userEvent("order", { category: "spot", ...orderAt(e) });
      if (e.kind === "trade") userEvent("execution", { category: "spot", ...bybitExecutionJson(ctx.book, e.trade) });
    }
  };

  return {
    publish() {
      for (const c of events.closedCandles()) emitKline(c.symbol, c.interval, c.intervalMs, c.candle, true);
      // The candle now forming: its first update (open price only), as Bybit pushes right after a close.
      for (const c of events.forming()) emitKline(c.symbol, c.interval, c.intervalMs, c.candle, false);
      publishOrders();
    },
    ...hub.controls,
  };
}
