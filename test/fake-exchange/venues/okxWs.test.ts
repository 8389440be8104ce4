// The OKX fake's websocket login checks what OKX checks (key, environment, passphrase, timestamp, the
// HMAC of timestamp + "GET/users/self/verify"): a wrong signature is refused and the private channel
// stays closed to that connection; the right one logs in, and "ping" is answered "pong".
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { makeCandles } from "../market";
import { startVenueFake, type VenueFake } from "./server";

let fake: VenueFake;
beforeAll(async () => {
  fake = await startVenueFake("okx", { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 0, 1), count: 20, seed: 3 }) }, closedAtStart: 5, balances: { USDT: 1000 } });
});
afterAll(async () => {
  await fake?.close();
});

/** A connection to the fake's private websocket, and the next message it receives. */
async function connect(): Promise<{ ws: WebSocket; next(): Promise<string> }> {
  const ws = new WebSocket(`${fake.url.replace(/^http/, "ws")}/ws.okx.com:8443/ws/v5/private`);
  const queue: string[] = [];
  const waiting: ((m: string) => void)[] = [];
  ws.on("message", (d) => {
    const w = waiting.shift();
    if (w) w(String(d));
    else queue.push(String(d));
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return { ws, next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))) };
}

const loginArgs = (over: { secret?: string; passphrase?: string; timestamp?: string } = {}) => {
  const k = fake.keys.trade!;
  const timestamp = over.timestamp ?? String(Math.floor(Date.now() / 1000));
  const sign = createHmac("sha256", over.secret ?? k.secret).update(`${timestamp}GET/users/self/verify`).digest("base64");
  return JSON.stringify({ op: "login", args: [{ apiKey: k.apiKey, passphrase: over.passphrase ?? k.passphrase, timestamp, sign }] });
};
const subscribeOrders = JSON.stringify({ op: "subscribe", args: [{ channel: "orders", instType: "ANY" }] });

describe("the OKX fake's private websocket", () => {
  it("refuses a wrong signature, passphrase or stale timestamp, and the orders channel before a login", async () => {
    const { ws, next } = await connect();
    ws.send(subscribeOrders);
    expect(JSON.parse(await next())).toMatchObject({ event: "error", code: "60011" });
    ws.send(loginArgs({ secret: "not-the-secret" }));
    expect(JSON.parse(await next())).toMatchObject({ event: "error", code: "60007" });
    ws.send(loginArgs({ passphrase: "wrong" }));
    expect(JSON.parse(await next())).toMatchObject({ event: "error", code: "60024" });
    ws.send(loginArgs({ timestamp: String(Math.floor(Date.now() / 1000) - 120) }));
    expect(JSON.parse(await next())).toMatchObject({ event: "error", code: "60006" });
    ws.send(subscribeOrders);
    expect(JSON.parse(await next())).toMatchObject({ event: "error", code: "60011" });
    ws.close();
  });

  it("logs in with the key's signature, subscribes to orders and answers ping with pong", async () => {
    const { ws, next } = await connect();
    ws.send(loginArgs());
    expect(JSON.parse(await next())).toMatchObject({ event: "login", code: "0" });
    ws.send(subscribeOrders);
    expect(JSON.parse(await next())).toMatchObject({ event: "subscribe", arg: { channel: "orders", instType: "ANY" } });
    ws.send("ping");
    expect(await next()).toBe("pong");
    ws.close();
  });
});
