// The fake KuCoin's websocket refuses what real KuCoin refuses: a token it did not issue, private topics on a public token.
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { makeCandles } from "../market";
import { startVenueFake } from "./server";

const START = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

/** The first message a websocket receives. */
const firstMessage = (socket: WebSocket) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    socket.once("message", (d) => resolve(JSON.parse(String(d)) as Record<string, unknown>));
    socket.once("error", reject);
  });

describe("the fake KuCoin's websocket", () => {
  it("refuses a token it did not issue, and private topics on a public token", async () => {
    const fake = await startVenueFake("kucoin", { candles: { BTCUSDT: makeCandles({ start: START, count: 20 }) }, closedAtStart: 5 });
    try {
      const base = `${fake.url.replace("http", "ws")}/ws-api-spot.kucoin.com/`;
      const stranger = new WebSocket(`${base}?token=not-issued&connectId=x`);
      expect(await firstMessage(stranger)).toMatchObject({ type: "error", code: 401 });
      await new Promise((r) => stranger.once("close", r));

      const answer = (await (await fetch(`${fake.url}/api/v1/bullet-public`, { method: "POST" })).json()) as { data: { token: string; instanceServers: { endpoint: string }[] } };
      expect(answer.data.instanceServers[0]!.endpoint).toBe(base);
      const pub = new WebSocket(`${base}?token=${answer.data.token}&connectId=p`);
      expect(await firstMessage(pub)).toMatchObject({ type: "welcome", id: "p" });
      pub.send(JSON.stringify({ id: "1", type: "subscribe", topic: "/spotMarket/tradeOrders", privateChannel: true, response: true }));
      expect(await firstMessage(pub)).toMatchObject({ id: "1", type: "error", code: 401 });
      pub.send(JSON.stringify({ id: "2", type: "subscribe", topic: "/market/candles:BTC-USDT_1min", response: true }));
      expect(await firstMessage(pub)).toEqual({ id: "2", type: "ack" });
      pub.send(JSON.stringify({ id: "3", type: "ping" }));
      expect(await firstMessage(pub)).toMatchObject({ id: "3", type: "pong" });
      pub.close();
      // A private token is only for a signed request.
      expect((await fetch(`${fake.url}/api/v1/bullet-private`, { method: "POST" })).status).toBe(401);
    } finally {
      await fake.close();
    }
  });
});
