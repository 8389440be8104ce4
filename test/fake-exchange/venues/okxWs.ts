// The websocket side of the OKX fake (v5), as ccxt's okx class (4.5.x, js/src/pro/okx.js) uses it:
// candles on `/ws/v5/business` (`{op:"subscribe", args:[{channel:"candle1m", instId:"BTC-USDT"}]}`;
// pushes `{arg, data:[[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]]}`, confirm "1" once the
// candle closed, "0" for the one forming), order updates on `/ws/v5/private` after a login
// (`{op:"login", args:[{apiKey, passphrase, timestamp (seconds), sign}]}`, sign = base64 HMAC-SHA256
// of timestamp + "GET" + "/users/self/verify"; then `{channel:"orders", instType}` pushes the order as
// REST shows it, with the fill of the event in fillSz / fillPx / tradeId). OKX's heartbeat is text:
// "ping" answered by "pong". An untriggered algo order (a stop) is not an ordinary order, so it is not
// pushed on "orders"; once triggered, the market order it became is (ccxt's watchOrders does not use
// the orders-algo channel, which the fake does not serve). Connections and faults are wsHub.ts's.
import type { Server } from "node:http";
import { trackEngine, type OrderEvent } from "../engineEvents";
import { attachWsHub, type FakeWs, type WsConn } from "../wsHub";
import type { FakeOrder } from "../types";
import { dec, type VenueBook } from "./book";
import { hmacSha256, sameSignature } from "./hmac";
import { isAlgo } from "./okxAlgo";
import type { VenueKey, VenueWsContext } from "./types";

/** OKX's candle channel suffix of an interval (ccxt's okx timeframes). */
const CHANNEL_BAR: Record<string, string> = { "1m": "1m", "5m": "5m", "15m": "15m", "1h": "1H", "4h": "4H", "1d": "1D" };

interface OkxConn {
  /** Subscribed args as "channel|instId-or-instType". */
  subs: Set<string>;
  /** The key that logged in on this connection (private and business only). */
  key: VenueKey | null;
}

type Arg = Record<string, string | undefined>;

/** The dialect's ws side; `orderJson` is okx.ts's (the REST shape of an order, which the push repeats). */
export function okxWs(orderJson: (book: VenueBook, o: FakeOrder) => Record<string, unknown>) {
  return (server: Server, ctx: VenueWsContext): FakeWs => {
    const hub = attachWsHub<OkxConn>(server, {
      route: (path) => (/\/ws\/v5\/private$/.test(path) ? "user" : /\/ws\/v5\/(public|business)$/.test(path) ? "market" : null),
      initial: () => ({ subs: new Set(), key: null }),
      onMessage: (conn, text) => onMessage(conn, text),
      now: ctx.now,
    });
    const reply = hub.reply;
    const error = (conn: WsConn<OkxConn>, code: string, msg: string) => reply(conn, { event: "error", code, msg, connId: "fake0001" });

    const login = (conn: WsConn<OkxConn>, args: Arg[]) => {
      const a = args[0] ?? {};
      const fault = hub.login(conn);
      if (fault === "ignore") return;
      if (fault === "refuse") return error(conn, "60007", "Invalid sign");
      const key = ctx.keys.get(a["apiKey"] ?? "");
      if (!key) return error(conn, "60005", "Invalid OK-ACCESS-KEY");
      // Demo trading has its own websocket host (wspap.okx.com); keys of one environment fail in the other.
      if (key.demo !== /^\/wspap\./.test(conn.path)) return error(conn, "50101", "APIKey does not match current environment.");
      if (a["passphrase"] !== key.passphrase) return error(conn, "60024", "Wrong passphrase");
      const ts = Number(a["timestamp"]);
      if (!Number.isFinite(ts) || Math.abs(ctx.now() / 1000 - ts) > 30) return error(conn, "60006", "Timestamp request expired");
      const expected = hmacSha256(key.secret, `${a["timestamp"]}GET/users/self/verify`, "base64");
      if (!sameSignature(a["sign"], expected)) return error(conn, "60007", "Invalid sign");
      conn.state.key = key;
      reply(conn, { event: "login", code: "0", msg: "", connId: "fake0001" });
    };

    const subscribe = (conn: WsConn<OkxConn>, args: Arg[], on: boolean) => {
      for (const arg of args) {
        const channel = arg["channel"] ?? "";
        const candle = channel.startsWith("candle");
        if (candle ? conn.path.endsWith("/business") === false : channel === "orders" ? conn.channel !== "user" : true) {
          error(conn, "60018", `Wrong URL or channel:${channel},instId:${arg["instId"] ?? ""} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`);
          continue;
        }
        if (!candle && !conn.state.key) {
          error(conn, "60011", "Please log in");
          continue;
        }
        if (candle && !ctx.book.symbolOf(arg["instId"])) {
          error(conn, "60018", `Wrong URL or channel:${channel},instId:${arg["instId"] ?? ""} doesn't exist.`);
          continue;
        }
        const id = `${channel}|${candle ? arg["instId"] : (arg["instId"] ?? arg["instType"] ?? "ANY")}`;
        if (on) conn.state.subs.add(id);
        else conn.state.subs.delete(id);
        reply(conn, { event: on ? "subscribe" : "unsubscribe", arg, connId: "fake0001" });
      }
    };

    const onMessage = (conn: WsConn<OkxConn>, text: string) => {
      if (text === "ping") return reply(conn, "pong");
      let msg: { op?: unknown; args?: unknown };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return error(conn, "60012", `Illegal request: ${text}`);
      }
      const args = Array.isArray(msg.args) ? (msg.args as Arg[]) : [];
      if (msg.op === "login") return login(conn, args);
      if (msg.op === "subscribe" || msg.op === "unsubscribe") return subscribe(conn, args, msg.op === "subscribe");
      error(conn, "60012", `Illegal request: ${text}`);
    };

    // ---------------------------------------------------------------- candles

    const events = trackEngine(ctx.engine, ctx.intervalMs);
    const emitCandle = (symbol: string, interval: string, c: [number, number, number, number, number, number], closed: boolean) => {
      const bar = CHANNEL_BAR[interval];
      if (!bar) return;
      const instId = ctx.book.instId(ctx.engine.market(symbol));
      const channel = `candle${bar}`;
      const arg = { channel, instId };
      const row = [String(c[0]), dec(c[1]), dec(c[2]), dec(c[3]), dec(c[4]), dec(c[5]), dec(c[5]), dec(c[5] * c[4]), closed ? "1" : "0"];
      const payload = { arg, data: [row] };
      hub.emit("market", channel, payload, (conn) => conn.state.subs.has(`${channel}|${instId}`), () => payload);
    };

    // ---------------------------------------------------------------- orders

    /** The order as the event left it (state, cumulative fill) with the event's own fill. */
    const orderData = (e: OrderEvent): Record<string, unknown> => {
      const base = orderJson(ctx.book, e.order);
      const quiet = { fillSz: "0", fillPx: "", tradeId: "", fillTime: "", fillFee: "0", fillFeeCcy: "", execType: "", amendResult: "", code: "0", msg: "", reqId: "" };
      if (e.kind === "new") return { ...base, ...quiet, state: "live", accFillSz: "0", avgPx: "", fee: "0", uTime: String(e.order.time) };
      if (e.kind === "cancel") return { ...base, ...quiet };
      const t = e.trade;
      return {
        ...base,
        ...quiet,
        state: e.status === "FILLED" ? "filled" : "partially_filled",
        accFillSz: dec(e.cumQty),
        avgPx: dec(e.cumQuote / e.cumQty),
        fillSz: dec(t.qty),
        fillPx: dec(t.price),
        tradeId: String(t.id),
        fillTime: String(t.time),
        fillFee: t.commission > 0 ? `-${dec(t.commission)}` : "0",
        fillFeeCcy: t.commissionAsset,
        execType: t.isMaker ? "M" : "T",
        uTime: String(t.time),
      };
    };

    const publishOrders = () => {
      for (const e of events.orderEvents()) {
        // An algo order waiting for its trigger is not an ordinary order: only its fills (the market order it became) are pushed.
        if (isAlgo(e.order) && e.kind !== "trade") continue;
        const data = orderData(e);
        hub.emit(
          "user",
          "orders",
          data,
          (c) => c.state.key !== null && [...c.state.subs].some((s) => s === "orders|ANY" || s === "orders|SPOT" || s === `orders|${String(data["instId"])}`),
          () => ({ arg: { channel: "orders", instType: "SPOT", uid: "44705892343619584" }, data: [data] }),
        );
      }
    };

    return {
      publish() {
        for (const c of events.closedCandles()) emitCandle(c.symbol, c.interval, c.candle, true);
        for (const c of events.forming()) emitCandle(c.symbol, c.interval, c.candle, false);
        publishOrders();
      },
      ...hub.controls,
    };
  };
}
