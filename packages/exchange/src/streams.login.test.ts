// The order stream's login on every venue that logs in over the websocket (Binance's signed user-data
// subscription, OKX's and Bitget's login, Bybit's auth, KuCoin's private token, Coinbase's JWT-signed
// subscription), through ccxt's own class of each against its fake: a login the exchange refuses is
// followed by a new one on a new connection, a login it never answers is given up after the bounded
// wait and tried again on a new connection, and a cut connection comes back — each time up again, with
// a fill made afterwards delivered, and no credential in the reason the stream gives for being down.
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, startVenueFake, type FakeWs, type MatchingEngine } from "../../../test/fake-exchange/index";
import { createExchange, redirectExchange } from "./createExchange";
import { StreamConnection, type StreamState } from "./streams";

const START = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
const VENUES = ["binance", "okx", "bybit", "bitget", "kucoin", "coinbase"] as const;
type Venue = (typeof VENUES)[number];

const until = async (fn: () => boolean, what: string, ms = 15_000) => {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

interface Venued {
  ws: FakeWs;
  engine: MatchingEngine;
  advance(): void;
  conn: StreamConnection;
  secrets: string[];
  /** Every state the order stream told, in order. */
  states: { s: StreamState; why?: string }[];
  /** Client order ids noticed, in order (one entry per notice). */
  noticed: string[];
}

describe.each(VENUES)("the order stream's login on the fake %s", (venue: Venue) => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await c();
  });

  /** The venue's fake, ccxt's websocket class of it on the trading key, and a StreamConnection (not yet watching). */
  async function open(answerMs: number): Promise<Omit<Venued, "states" | "noticed">> {
    const market = {
      candles: { BTCUSDT: makeCandles({ start: START, count: 40, seed: 3 }), ETHUSDT: makeCandles({ start: START, count: 40, seed: 4, startPrice: 2000 }) },
      closedAtStart: 10,
      balances: { USDT: 50_000, BTC: 0, ETH: 0 },
    };
    const fake = venue === "binance" ? await startFakeExchange(market) : await startVenueFake(venue, market);
    closing.push(() => fake.close());
    const k = fake.keys.trade!;
    const passphrase = "passphrase" in k ? k.passphrase : undefined;
    const make = (stream: boolean) =>
      redirectExchange(createExchange({ exchangeId: venue, stream, credentials: { apiKey: k.apiKey, secret: k.secret, ...(passphrase ? { password: passphrase } : {}) }, ccxtRateLimitMs: 1, timeoutMs: 3000 }), fake.url);
    const rest = make(false);
    closing.push(() => rest.close());
    await rest.loadMarkets();
    const ex = make(true);
    ex.setMarkets(rest.markets, rest.currencies as never);
    const conn = new StreamConnection(ex, () => undefined, { firstMs: 50, maxMs: 200, answerMs }).retain();
    closing.push(() => conn.release());
    return { ws: fake.ws!, engine: fake.engine, advance: () => void fake.advance(), conn, secrets: [k.apiKey, k.secret, ...(passphrase ? [passphrase] : [])] };
  }

  function watch(v: Omit<Venued, "states" | "noticed">): Venued {
    const states: Venued["states"] = [];
    const noticed: string[] = [];
    v.conn.watchOrders("BTC/USDT", { orders: (ids) => noticed.push(...ids), state: (s, why) => states.push({ s, why }) });
    return { ...v, states, noticed };
  }

  const upCount = (v: Venued) => v.states.filter((x) => x.s === "up").length;

  /** A market order placed now is noticed, and so is its fill at the next candle. */
  async function fillDelivered(v: Venued, cid: string): Promise<void> {
    v.engine.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.01", price: undefined, timeInForce: undefined, newClientOrderId: cid }, new Map());
    v.ws.publish();
    await until(() => v.noticed.includes(cid), `the notice of ${cid}`);
    const before = v.noticed.filter((c) => c === cid).length;
    v.advance();
    expect(v.engine.orders.find((o) => o.clientOrderId === cid)?.status).toBe("FILLED");
    await until(() => v.noticed.filter((c) => c === cid).length > before, `the notice of ${cid}'s fill`);
  }

  const expectNoSecrets = (v: Venued) => {
    for (const { why } of v.states) for (const s of v.secrets) expect(why ?? "").not.toContain(s);
  };

  it("a refused first login: the next one, on a new connection, brings the stream up and a later fill is delivered", async () => {
    const v0 = await open(10_000);
    v0.ws.faults.logins("refuse");
    const v = watch(v0);
    await until(() => upCount(v) > 0, "the order stream to be up");
    // Down once, for the refusal itself (not for a wait that ran out), then up on the second login.
    const downs = v.states.filter((x) => x.s === "down");
    expect(downs.length).toBe(1);
    expect(downs[0]!.why).toBeTruthy();
    expect(downs[0]!.why).not.toMatch(/did not answer/);
    expect(v.conn.counts.reconnects).toBe(1);
    expect(v.ws.logins()).toBe(2);
    await fillDelivered(v, `kf-login-${venue}-1`);
    expectNoSecrets(v);
  }, 40_000);

  it("a login never answered: the connection is reopened after the bounded wait and the stream comes up", async () => {
    const v0 = await open(700);
    v0.ws.faults.logins("ignore");
    const v = watch(v0);
    await until(() => upCount(v) > 0, "the order stream to be up");
    const downs = v.states.filter((x) => x.s === "down");
    expect(downs.length).toBe(1);
    expect(downs[0]!.why).toMatch(/did not answer the order stream's login or subscription within 0.7 s/);
    expect(v.ws.logins()).toBe(2);
    // The silent connection was closed by the stream, not left open beside the new one.
    await until(() => v.ws.connections("user") === 1, "one user connection");
    await fillDelivered(v, `kf-login-${venue}-2`);
    expectNoSecrets(v);
  }, 40_000);

  it("after each of three cuts the order stream comes back up and delivers a fill made after it", async () => {
    const v = watch(await open(5_000));
    await until(() => upCount(v) === 1, "the order stream to be up");
    for (let i = 1; i <= 3; i++) {
      v.ws.cut("user");
      await until(() => v.states.at(-1)?.s === "down", `the order stream to drop (cut ${i})`);
      await until(() => upCount(v) === i + 1, `the order stream to be back (cut ${i})`);
      await fillDelivered(v, `kf-cut-${venue}-${i}`);
    }
    expectNoSecrets(v);
  }, 60_000);
});

// OKX's order stream once needed a special case to come back after a cut (it failed 2 runs in 3 without
// it): the cause was a refused login (ccxt signs OKX's login before it dials, and a login refused on a
// connection is never sent again on it), not the rule for "up". Five runs show the general rule holds.
describe("OKX's order stream after cuts, five runs", () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await c();
  });

  it.each([1, 2, 3, 4, 5])("run %i: up again after each of three cuts, and after a cut whose new login is refused", async (run) => {
    const fake = await startVenueFake("okx", {
      candles: { BTCUSDT: makeCandles({ start: START, count: 40, seed: 10 + run }) },
      closedAtStart: 10,
      balances: { USDT: 50_000, BTC: 0 },
    });
    closing.push(() => fake.close());
    const k = fake.keys.trade!;
    const make = (stream: boolean) => redirectExchange(createExchange({ exchangeId: "okx", stream, credentials: { apiKey: k.apiKey, secret: k.secret, password: k.passphrase! }, ccxtRateLimitMs: 1, timeoutMs: 3000 }), fake.url);
    const rest = make(false);
    closing.push(() => rest.close());
    await rest.loadMarkets();
    const ex = make(true);
    ex.setMarkets(rest.markets, rest.currencies as never);
    const conn = new StreamConnection(ex, () => undefined, { firstMs: 50, maxMs: 200, answerMs: 5_000 }).retain();
    closing.push(() => conn.release());
    const states: StreamState[] = [];
    const noticed: string[] = [];
    // Candles on the business connection beside the orders on the private one, as a bot has them.
    conn.watchCandles("BTC/USDT", "1m", { candle: () => undefined, state: () => undefined });
    conn.watchOrders("BTC/USDT", { orders: (ids) => noticed.push(...ids), state: (s) => states.push(s) });
    const ups = () => states.filter((s) => s === "up").length;
    await until(() => ups() === 1, "the order stream to be up");
    for (let i = 1; i <= 4; i++) {
      // The fourth cut's new login is refused, as a stale timestamp would be.
      if (i === 4) fake.ws!.faults.logins("refuse");
      fake.ws!.cut("user");
      await until(() => states.at(-1) === "down", `the order stream to drop (cut ${i})`);
      await until(() => ups() === i + 1, `the order stream to be back (cut ${i})`);
      const cid = `kf-okx-${run}-${i}`;
      fake.engine.placeOrder({ symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.01", price: undefined, timeInForce: undefined, newClientOrderId: cid }, new Map());
      fake.ws!.publish();
      await until(() => noticed.includes(cid), `the notice of ${cid}`);
    }
    expect(fake.ws!.logins()).toBe(6);
  }, 60_000);
});
