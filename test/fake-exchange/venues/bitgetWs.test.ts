// The Bitget fake's orders channel and plan orders (stops): a plan order waiting for its trigger is not
// an ordinary order, so it is not pushed; once a candle reaches its trigger, the market order it became
// is pushed under that order's own id (no client id of its own) with its fill, as ccxt's watchOrders
// on "orders" would read it.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { makeCandles } from "../market";
import { startVenueFake, type VenueFake } from "./server";

let fake: VenueFake;
beforeAll(async () => {
  fake = await startVenueFake("bitget", { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 0, 1), count: 60, seed: 5 }) }, closedAtStart: 5, balances: { USDT: 100_000, BTC: 1 } });
});
afterAll(async () => {
  await fake?.close();
});

/** A logged-in connection to the fake's private websocket, subscribed to orders, and its order pushes. */
async function ordersChannel(): Promise<{ ws: WebSocket; pushes: Record<string, string>[] }> {
  const ws = new WebSocket(`${fake.url.replace(/^http/, "ws")}/ws.bitget.com/v2/ws/private`);
  const pushes: Record<string, string>[] = [];
  const events: string[] = [];
  ws.on("message", (d) => {
    const m = JSON.parse(String(d)) as { event?: string; arg?: { channel?: string }; data?: Record<string, string>[] };
    if (m.event) events.push(m.event);
    else if (m.arg?.channel === "orders") pushes.push(...(m.data ?? []));
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const k = fake.keys.trade!;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const sign = createHmac("sha256", k.secret).update(`${timestamp}GET/user/verify`).digest("base64");
  ws.send(JSON.stringify({ op: "login", args: [{ apiKey: k.apiKey, passphrase: k.passphrase, timestamp, sign }] }));
  await until(() => events.includes("login"), "the login");
  ws.send(JSON.stringify({ op: "subscribe", args: [{ instType: "SPOT", channel: "orders", instId: "default" }] }));
  await until(() => events.includes("subscribe"), "the subscription");
  return { ws, pushes };
}

async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!fn()) throw new Error(`timed out waiting for ${what}`);
}

describe("the Bitget fake's orders channel with a plan order", () => {
  it("pushes nothing while the plan waits, then the market order it became with its fill", async () => {
    const { ws, pushes } = await ordersChannel();
    const e = fake.engine;
    const last = e.lastPrice("BTCUSDT");
    const next = e.candles["BTCUSDT"]![e.closed]!;
    const trigger = (Math.round(Math.min(last, next[1]) * 100) - 1) / 100;
    const stop = e.placeOrder({ symbol: "BTCUSDT", side: "SELL", type: "STOP_LOSS", quantity: "0.1", price: undefined, timeInForce: undefined, newClientOrderId: "kf-plan-1", stopPrice: String(trigger) }, new Map());
    fake.ws!.publish();
    // An ordinary order placed after it is the first push: the plan was not pushed.
    const limit = e.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "1000", timeInForce: "GTC", newClientOrderId: "kf-limit-1" }, new Map());
    fake.ws!.publish();
    await until(() => pushes.length > 0, "the limit order's push");
    expect(pushes[0]).toMatchObject({ orderId: String(limit.orderId), clientOid: "kf-limit-1", status: "live" });

    for (let i = 0; i < 25 && stop.status === "NEW"; i++) {
      fake.advance();
      fake.ws!.publish();
    }
    expect(stop.status).toBe("FILLED");
    await until(() => pushes.some((p) => p.orderId === String(stop.orderId)), "the triggered order's push");
    const filled = pushes.filter((p) => p.orderId === String(stop.orderId));
    expect(filled.map((p) => p.tradeId)).toEqual(stop.trades.map((t) => String(t.id)));
    expect(filled.at(-1)).toMatchObject({ clientOid: "", orderType: "market", side: "sell", status: "filled", accBaseVolume: "0.1" });
    expect(pushes.some((p) => p.clientOid === "kf-plan-1")).toBe(false);
    ws.close();
  });
});
