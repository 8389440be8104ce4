// The order stream's login on every venue that logs in over the websocket (Binance's signed user-data
// subscription, OKX's and Bitget's login, Bybit's auth, KuCoin's private token, Coinbase's JWT-signed
// subscription), through ccxt's own class of each against its fake: a login the exchange refuses is
// followed by a new one on a new connection, a login it never answers is given up after the bounded
// wait and tried again on a new connection, and a cut connection comes back — each time up again, with
// a fill made afterwards delivered, and no credential in the reason the stream gives for being down.
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, startVenueFake, type FakeWs, type MatchingEngine, type WsLoginFault } from "../../../test/fake-exchange/index";
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
  /** Every state the candle loop told (with `candles`). */
  candleStates: StreamState[];
}

const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c();
});

/**
 * The venue's fake (BTC/USDT from `seed`), ccxt's websocket class of it on the trading key, and a
 * StreamConnection on that; `fault` meets the first login. With `candles`, a candle loop runs beside
 * the orders, as a bot has it.
 */
async function open(venue: Venue, o: { answerMs: number; fault?: WsLoginFault; seed?: number; candles?: boolean }): Promise<Venued> {
  const seed = o.seed ?? 3;
  const market = {
    candles: { BTCUSDT: makeCandles({ start: START, count: 40, seed }), ETHUSDT: makeCandles({ start: START, count: 40, seed: seed + 1, startPrice: 2000 }) },
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
  const conn = new StreamConnection(ex, () => undefined, { firstMs: 50, maxMs: 200, answerMs: o.answerMs }).retain();
  closing.push(() => conn.release());
  if (o.fault) fake.ws!.faults.logins(o.fault);
  const candleStates: StreamState[] = [];
  if (o.candles) conn.watchCandles("BTC/USDT", "1m", { candle: () => undefined, state: (s) => candleStates.push(s) });
  const states: Venued["states"] = [];
  const noticed: string[] = [];
  conn.watchOrders("BTC/USDT", { orders: (ids) => noticed.push(...ids), state: (s, why) => states.push({ s, why }) });
  const secrets = [k.apiKey, k.secret, ...(passphrase ? [passphrase] : [])];
  return { ws: fake.ws!, engine: fake.engine, advance: () => void fake.advance(), conn, secrets, states, noticed, candleStates };
}

const ups = (v: Venued) => v.states.filter((x) => x.s === "up").length;
const downs = (v: Venued) => v.states.filter((x) => x.s === "down");

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

/** Up after each of `cuts` cuts of the user websocket, with a fill made after it delivered; `beforeCut` runs before each. */
async function backAfterCuts(v: Venued, cuts: number, name: string, beforeCut?: (i: number) => void): Promise<void> {
  await until(() => v.states.at(-1)?.s === "up", "the order stream to be up");
  const upAtStart = ups(v);
  for (let i = 1; i <= cuts; i++) {
    beforeCut?.(i);
    v.ws.cut("user");
    await until(() => v.states.at(-1)?.s === "down", `the order stream to drop (cut ${i})`);
    await until(() => ups(v) === upAtStart + i, `the order stream to be back (cut ${i})`);
    await fillDelivered(v, `${name}-${i}`);
  }
}

const expectNoSecrets = (v: Venued) => {
  for (const { why } of v.states) for (const s of v.secrets) expect(why ?? "").not.toContain(s);
};

describe.each(VENUES)("the order stream's login on the fake %s", (venue: Venue) => {
  it.each([
    { fault: "refuse" as const, answerMs: 10_000, why: /^(?!.*did not answer)./ },
    { fault: "ignore" as const, answerMs: 700, why: /did not answer the order stream's login or subscription within 0.7 s/ },
  ])("a first login met by $fault: down once with the reason, up on the next login on a new connection, and a later fill is delivered", async ({ fault, answerMs, why }) => {
    const v = await open(venue, { answerMs, fault });
    await until(() => ups(v) > 0, "the order stream to be up");
    // Down once, for the refusal itself (not for a wait that ran out) or for the wait, then up on the second login.
    expect(downs(v).length).toBe(1);
    expect(downs(v)[0]!.why).toMatch(why);
    expect(v.conn.counts.reconnects).toBe(1);
    expect(v.ws.logins()).toBe(2);
    // The connection of the first login was closed (by the exchange, or by the stream), not left open beside the new one.
    await until(() => v.ws.connections("user") === 1, "one user connection");
    await fillDelivered(v, `kf-login-${venue}-${fault}`);
    expectNoSecrets(v);
  }, 40_000);

  it("after each of three cuts the order stream comes back up and delivers a fill made after it", async () => {
    const v = await open(venue, { answerMs: 5_000 });
    await backAfterCuts(v, 3, `kf-cut-${venue}`);
    expectNoSecrets(v);
  }, 60_000);
});

// OKX's order stream once needed a special case to come back after a cut (it failed 2 runs in 3 without
// it): the cause was a refused login (OKX refuses a login signed more than 30 s before it arrives, and
// ccxt never sends a login again on a connection whose login was refused), not the rule for "up". Five
// runs show the general rule holds, with the candles on their own connection beside the orders.
describe("OKX's order stream after cuts, five runs", () => {
  it.each([1, 2, 3, 4, 5])("run %i: up again after each of three cuts, and after a cut whose new login is refused", async (run) => {
    const v = await open("okx", { answerMs: 5_000, seed: 10 + run, candles: true });
    // The fourth cut's new login is refused, as a stale timestamp would be.
    await backAfterCuts(v, 4, `kf-okx-${run}`, (i) => {
      if (i === 4) v.ws.faults.logins("refuse");
    });
    expect(downs(v).some((d) => /60007|Invalid sign/.test(d.why ?? ""))).toBe(true);
    expect(v.ws.logins()).toBe(6);
    // Reopening the order stream's connection left the candles' own connection alone.
    expect(v.candleStates).toContain("up");
    expect(v.candleStates).not.toContain("down");
  }, 60_000);
});
