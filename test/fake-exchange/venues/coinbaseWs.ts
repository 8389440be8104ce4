// The websocket side of the fake Coinbase Advanced Trade, on the venue fake's loopback server, as
// ccxt's coinbase pro class (4.5.x) speaks it: one URL (`…/advanced-trade-ws.coinbase.com`), a
// `{type:"subscribe", channel:"user", product_ids, jwt}` request signed with the CDP key's JWT (ES256,
// like REST's but without a uri; a bad or expired one is answered `{type:"error", message:
// "authentication failure"}` and the connection closed), answered by a `subscriptions` message and the
// user channel's snapshot of open orders, then an `update` event per order change. Coinbase streams no
// candles ccxt reads (it has no watchOHLCV there): candles stay polled. ccxt pings with websocket
// frames, which the socket answers itself.
import type { Server } from "node:http";
import { round8 } from "../engine";
import { trackEngine, type OrderEvent } from "../engineEvents";
import type { FakeOrder } from "../types";
import { attachWsHub, type FakeWs, type WsConn } from "../wsHub";
import { dec } from "./book";
import { verifyCoinbaseJwt } from "./coinbase";
import type { VenueWsContext } from "./types";

interface CoinbaseConn {
  /** Product ids of the user subscription ([] = all), once subscribed. */
  user: string[] | null;
  /** Messages sent on this connection (Coinbase numbers them per connection). */
  sequence: number;
}

const STATUS: Record<string, string> = { NEW: "OPEN", PARTIALLY_FILLED: "OPEN", FILLED: "FILLED", CANCELED: "CANCELLED", EXPIRED: "EXPIRED" };
const ORDER_TYPE: Record<string, string> = { LIMIT: "Limit", MARKET: "Market" };
const USER_ID = "3a8f6f2e-6c3a-4d0e-9f1e-2c1d4b5a6e7f";

export function attachCoinbaseWs(server: Server, ctx: VenueWsContext): FakeWs {
  const hub = attachWsHub<CoinbaseConn>(server, {
    route: (path) => (path === "/advanced-trade-ws.coinbase.com" || path === "/advanced-trade-ws.coinbase.com/" ? "user" : null),
    initial: () => ({ user: null, sequence: 0 }),
    onMessage: (conn, text) => onMessage(conn, text),
    now: ctx.now,
  });
  /** A message in Coinbase's envelope: channel, timestamp and this connection's sequence number. */
  const envelope = (conn: WsConn<CoinbaseConn>, channel: string, events: unknown[]) => ({
    channel,
    client_id: "",
    timestamp: new Date(ctx.now()).toISOString(),
    sequence_num: conn.state.sequence++,
    events,
  });

  const onMessage = (conn: WsConn<CoinbaseConn>, text: string) => {
    let msg: { type?: unknown; channel?: unknown; product_ids?: unknown; jwt?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return hub.reply(conn, { type: "error", message: "malformed request" });
    }
    if (msg.type === "unsubscribe" && msg.channel === "user") {
      conn.state.user = null;
      return hub.reply(conn, envelope(conn, "subscriptions", [{ subscriptions: {} }]));
    }
    if (msg.type !== "subscribe" || msg.channel !== "user") return hub.reply(conn, { type: "error", message: `fake coinbase: only the user channel is served (got ${String(msg.type)} ${String(msg.channel)})` });
    const fault = hub.login(conn);
    if (fault === "ignore") return;
    const found = fault === "refuse" ? null : verifyCoinbaseJwt(typeof msg.jwt === "string" ? msg.jwt : undefined, ctx.keys, ctx.verifyKeys, ctx.now());
    if (!found || !found.key.read) {
      hub.reply(conn, { type: "error", message: "authentication failure" });
      conn.socket.close();
      return;
    }
    const products = Array.isArray(msg.product_ids) ? msg.product_ids.map(String) : [];
    conn.state.user = products;
    hub.reply(conn, envelope(conn, "subscriptions", [{ subscriptions: { user: [USER_ID] } }]));
    const open = ctx.engine.orders.filter((o) => (o.status === "NEW" || o.status === "PARTIALLY_FILLED") && wanted(conn, o));
    hub.reply(conn, envelope(conn, "user", [{ type: "snapshot", orders: open.map((o) => orderOf(o, o.executedQty, o.cummulativeQuoteQty, STATUS[o.status]!)) }]));
  };

  const wanted = (conn: WsConn<CoinbaseConn>, o: FakeOrder) => conn.state.user !== null && (conn.state.user.length === 0 || conn.state.user.includes(ctx.book.instIdOfOrder(o)));

  /** An order as the user channel carries it, with the cumulative figures of the event. */
  const orderOf = (o: FakeOrder, cumQty: number, cumQuote: number, status: string) => {
    const fees = o.trades.filter((t) => t.time <= o.updateTime).reduce((s, t) => s + t.commission, 0);
    return {
      order_id: String(o.orderId),
      client_order_id: o.clientOrderId,
      cumulative_quantity: dec(cumQty),
      leaves_quantity: dec(status === "OPEN" ? o.origQty - cumQty : 0),
      avg_price: cumQty > 0 ? dec(cumQuote / cumQty) : "0",
      total_fees: dec(round8(fees)),
      status,
      product_id: ctx.book.instIdOfOrder(o),
      creation_time: new Date(o.time).toISOString(),
      order_side: o.side,
      order_type: ORDER_TYPE[o.type] ?? o.type,
      ...(o.type === "LIMIT" ? { limit_price: dec(o.price) } : {}),
      ...(o.stopPrice > 0 ? { stop_price: dec(o.stopPrice) } : {}),
      filled_value: dec(cumQuote),
      number_of_fills: String(o.trades.length),
      outstanding_hold_amount: dec(o.locked),
    };
  };

  const events = trackEngine(ctx.engine, ctx.intervalMs);
  const push = (e: OrderEvent) => {
    const o = e.order;
    const [cumQty, cumQuote, status] =
      e.kind === "new" ? [0, 0, "OPEN"] : e.kind === "trade" ? [e.cumQty, e.cumQuote, e.status === "FILLED" ? "FILLED" : "OPEN"] : [o.executedQty, o.cummulativeQuoteQty, STATUS[e.status]!];
    const order = orderOf(o, cumQty, cumQuote, status);
    hub.emit("user", "user", order, (c) => wanted(c, o), (c) => envelope(c, "user", [{ type: "update", orders: [order] }]));
  };

  return {
    publish() {
      // Candles close too, but Coinbase's websocket side here carries orders only.
      events.closedCandles();
      events.forming();
      for (const e of events.orderEvents()) push(e);
    },
    ...hub.controls,
  };
}
