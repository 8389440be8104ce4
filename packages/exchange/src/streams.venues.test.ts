// Stream connections (streams.ts) through ccxt's own websocket class of Bybit and KuCoin against the venue
// fakes' websocket sides: closed candles arrive with the values the exchange closed them with, an order
// placed by REST is noticed on the order stream, and a key whose signature is wrong never gets an order
// stream (Bybit refuses its auth op, KuCoin its bullet-private token request).
import type { Exchange } from "ccxt";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles, startVenueFake, type VenueFake, type VenueId } from "../../../test/fake-exchange/index";
import { createExchange, redirectExchange } from "./createExchange";
import { StreamConnection, type StreamCandle, type StreamState } from "./streams";

const START = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const VENUES: VenueId[] = ["bybit", "kucoin"];

const until = async (fn: () => boolean, what: string, ms = 10_000) => {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.each(VENUES)("streams on the fake %s", (venue) => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await c();
  });

  async function connect(secretOf: (secret: string) => string = (s) => s): Promise<{ fake: VenueFake; conn: StreamConnection; rest: Exchange }> {
    const fake = await startVenueFake(venue, {
      candles: { BTCUSDT: makeCandles({ start: START, count: 40, seed: 3 }), ETHUSDT: makeCandles({ start: START, count: 40, seed: 4, startPrice: 2000 }) },
      closedAtStart: 10,
      balances: { USDT: 50_000, BTC: 0, ETH: 0 },
    });
    closing.push(() => fake.close());
    const k = fake.keys.trade!;
    const make = (stream: boolean, secret: string) =>
      redirectExchange(createExchange({ exchangeId: venue, stream, credentials: { apiKey: k.apiKey, secret, ...(k.passphrase ? { password: k.passphrase } : {}) }, ccxtRateLimitMs: 1, timeoutMs: 3000 }), fake.url);
    const rest = make(false, k.secret);
    closing.push(() => rest.close());
    await rest.loadMarkets();
    const ws = make(true, secretOf(k.secret));
    ws.setMarkets(rest.markets, rest.currencies as never);
    const conn = new StreamConnection(ws, () => undefined, { firstMs: 50, maxMs: 200 }).retain();
    closing.push(() => conn.release());
    return { fake, conn, rest };
  }

  it("closed candles come with their final values; a placed order is noticed by its client id", async () => {
    const { fake, conn } = await connect();
    const candles: StreamCandle[] = [];
    const states: StreamState[] = [];
    conn.watchCandles("BTC/USDT", "1m", { candle: (c) => candles.push(c), state: (s) => states.push(s) });
    const noticed: string[] = [];
    const orderStates: StreamState[] = [];
    conn.watchOrders("BTC/USDT", { orders: (ids) => noticed.push(...ids), state: (s) => orderStates.push(s) });
    await until(() => states.includes("up") && orderStates.includes("up"), "the streams to be up");
    fake.advance(3);
    // KuCoin tells a candle closed when the next one starts: the third is known closed at the fourth's first push.
    fake.advance();
    const closed = fake.engine.closedCandles("BTCUSDT").slice(10, 13);
    await until(() => closed.every((c) => candles.some((s) => s.time === c[0])), "the closed candles");
    for (const c of closed) expect(candles.find((s) => s.time === c[0])).toEqual({ time: c[0], values: [c[1], c[2], c[3], c[4], c[5]] });
    // No candle is taken as closed before it is.
    expect(candles.every((s) => s.time < fake.engine.closedCandles("BTCUSDT").at(-1)![0] + 1)).toBe(true);

    const cid = `kf-stream-${venue}-1`;
    fake.engine.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "1000", timeInForce: "GTC", newClientOrderId: cid }, new Map());
    fake.ws!.publish();
    await until(() => noticed.includes(cid), "the order notice");
  }, 30_000);

  // KuCoin holds a stop in its stop book: the tradeOrders topic knows it only as the market order it becomes.
  it.runIf(venue === "kucoin")("a stop is noticed once triggered, as the order it became, not while it waits", async () => {
    const { fake, conn } = await connect();
    const noticed: string[] = [];
    const orderStates: StreamState[] = [];
    conn.watchOrders("BTC/USDT", { orders: (ids) => noticed.push(...ids), state: (s) => orderStates.push(s) });
    await until(() => orderStates.includes("up"), "the order stream to be up");
    fake.engine.balance("BTC").free = 1;
    const last = fake.engine.lastPrice("BTCUSDT");
    const next = fake.engine.candles["BTCUSDT"]![fake.engine.closed]!;
    const stopCid = "kf-stream-stop-1";
    const stop = fake.engine.placeOrder({ symbol: "BTCUSDT", side: "SELL", type: "STOP_LOSS", quantity: "0.01", price: undefined, timeInForce: undefined, newClientOrderId: stopCid, stopPrice: String(Math.round((Math.min(last, next[1]) - 0.01) * 100) / 100) }, new Map());
    fake.ws!.publish();
    // A marker order after it: pushed on the same connection, so once it is noticed the stop would have been too.
    fake.engine.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.01", price: "1000", timeInForce: "GTC", newClientOrderId: "kf-stream-marker" }, new Map());
    fake.ws!.publish();
    await until(() => noticed.includes("kf-stream-marker"), "the marker's notice");
    expect(noticed).not.toContain(stopCid);
    for (let i = 0; i < 25 && stop.status === "NEW"; i++) fake.advance();
    expect(stop.status).toBe("FILLED");
    await until(() => noticed.includes(stopCid), "the triggered stop's notice");
  }, 30_000);

  it("a wrong signature gets no order stream", async () => {
    const { fake, conn } = await connect((s) => `${s.slice(0, -2)}xx`);
    const states: { s: StreamState; why?: string }[] = [];
    conn.watchOrders("BTC/USDT", { orders: () => undefined, state: (s, why) => states.push({ s, why }) });
    await until(() => states.some((x) => x.s === "down"), "the order stream to fail");
    expect(states.some((x) => x.s === "up")).toBe(false);
    expect(states.find((x) => x.s === "down")!.why).toMatch(/sign|auth|KC-API-SIGN/i);
    expect(fake.ws!.connections("user")).toBe(0);
  }, 30_000);
});
