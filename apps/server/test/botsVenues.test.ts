// Paper and live bots on exchanges other than Binance, through ccxt's own class of each exchange,
// against fakes that answer in that exchange's wire format from the shared matching engine.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// One clock for the whole file, the test's: the streams below start in 2024 and a real exchange's candles
// are current. Some venues (KuCoin) answer candles only in a window ccxt derives from its clock, and ccxt
// keeps the Date.now it finds when it loads, so Date (only Date: timers stay real) is faked before any
// import. The clock runs on by itself; each test sets it to its stream with vi.setSystemTime.
vi.hoisted(() => {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});

import { backtest, compile } from "@keyflow/core";
import { makeCandles, startVenueFake, type VenueFake, type VenueId } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, expectNoSecrets, harness, leakSites, smaFlow, until, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const START = Date.UTC(2024, 0, 1);
const COUNT = 120;
const marketOptions = () => ({
  candles: { BTCUSDT: makeCandles({ start: START, count: COUNT, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: COUNT, seed: 8, startPrice: 2000 }) },
  closedAtStart: 5,
  balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
  feeRate: 0.001,
});

/** Venues whose fakes trade (the others serve the key probe only; see test/fake-exchange/venues). */
const VENUES: VenueId[] = ["okx", "bybit", "kucoin", "bitget", "coinbase"];

/** Venues whose spot market buy spends a quote amount: the live bot sends what the amount costs. */
const QUOTE_SIZED_MARKET_BUYS = new Set<VenueId>(["bitget", "coinbase"]);

/** The clock of a stream whose last closed candle is the engine's: a second into the forming one. */
const clockAt = (fake: VenueFake) => START + fake.engine.closed * 60_000 + 1_000;

describe.each(VENUES)("bots on %s (fake)", (venue) => {
  let h: Harness;
  let fake: VenueFake;
  let keyId: string;
  const advance = () => {
    fake.advance();
    vi.setSystemTime(clockAt(fake));
  };
  beforeAll(async () => {
    fake = await startVenueFake(venue, marketOptions());
    vi.setSystemTime(clockAt(fake));
    // A venue whose fake has a websocket side runs on streams; the others poll, as where a venue has no stream.
    h = await harness({ exchange: { urls: { [venue]: fake.url } }, bots: { streams: fake.ws !== undefined } });
    const k = fake.keys.trade!;
    keyId = (await h.caller.keys.add({ exchange: venue, label: `${venue} bots`, apiKey: k.apiKey, secret: k.secret, password: k.passphrase })).id;
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  const flowOn = (opts: Parameters<typeof smaFlow>[2] = {}) => {
    const flow = smaFlow(5, 13, opts);
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    return flow;
  };
  const backtestOf = (flow: ReturnType<typeof flowOn>) => {
    const c = compile(flow);
    if (!c.ok) throw new Error("flow does not compile");
    return backtest(c.spec, closedCandles(fake), flow.settings);
  };
  /** One candle at a time until `upTo` candles are closed, each processed by every bot given. */
  const stepTo = async (upTo: number, botIds: string[]) => {
    for (const id of botIds) await caughtUp(h, id, 10_000, fake);
    while (fake.engine.closed < upTo) {
      advance();
      for (const id of botIds) await caughtUp(h, id, 10_000, fake);
    }
  };
  const shape = (t: { entryTime: number; entryPrice: number; exitTime: number; exitPrice: number; exitReason: string }) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.exitReason];

  it("a paper bot follows the exchange's candles and a live bot trades on the exchange: both trade what the backtest trades", async () => {
    const flow = flowOn();
    const paper = await h.caller.bots.deploy({ flow, mode: "paper", keyId, name: `${venue} paper` });
    const live = await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true, name: `${venue} live` });
    await stepTo(90, [paper.id, live.id]);
    await until(() => h.services.db.bots.activeOrders(live.id).length === 0, 5000, "orders to settle");

    // Closed trades only: a position still open at the end is the backtest's `openPosition`, not a trade.
    const expected = backtestOf(flow).trades;
    expect(expected.length).toBeGreaterThan(1);
    const paperTrades = (await h.caller.bots.get({ id: paper.id })).trades;
    const liveTrades = (await h.caller.bots.get({ id: live.id })).trades;
    expect(paperTrades.map(shape)).toEqual(expected.map(shape));
    expect(liveTrades.map(shape)).toEqual(expected.map(shape));

    // Every order the live bot sent reached this exchange, signed by the key, under the bot's client ids.
    const orders = fake.engine.orders;
    expect(orders.length).toBe(2 * liveTrades.length + (orders.length % 2));
    expect(orders.every((o) => o.status === "FILLED")).toBe(true);
    const journal = h.services.db.bots.orders(live.id).map((o) => o.clientOrderId).reverse();
    expect(orders.map((o) => o.clientOrderId)).toEqual(journal);
    // Where a market buy is sized in the quote, the journal says what it was sent to spend.
    const spent = h.logs.filter((l) => /Placed buy market [\d.]+ BTC, spending [\d.]+ USDT/.test(l));
    expect(spent.length > 0).toBe(QUOTE_SIZED_MARKET_BUYS.has(venue));
    // The position from fills equals what the exchange holds.
    const btc = fake.engine.balance("BTC");
    expect((await h.caller.bots.get({ id: live.id })).position.qty).toBeCloseTo(btc.free + btc.locked, 8);
    await h.caller.bots.stop({ id: paper.id });
    await h.caller.bots.stop({ id: live.id });
  });

  it("a live bot cancels a limit entry that did not fill in time", async () => {
    const flow = flowOn({ limit: { offsetPct: 20, validBars: 2 } });
    const before = fake.engine.orders.length;
    const bot = await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true, name: `${venue} limit` });
    // Step until the entry signal sends the limit order.
    await caughtUp(h, bot.id, 10_000, fake);
    while (fake.engine.orders.length === before) {
      if (fake.engine.closed >= COUNT) { console.log("DEBUG", h.logs.slice(-30).join("\n"), JSON.stringify(fake.requests.filter((r) => r.status !== 200))); throw new Error("no entry signal in the candle stream"); }
      advance();
      await caughtUp(h, bot.id, 10_000, fake);
    }
    const entry = fake.engine.orders[before]!;
    expect(entry).toMatchObject({ type: "LIMIT", side: "BUY", status: "NEW" });
    const from = fake.engine.closed;
    await stepTo(Math.min(from + 4, COUNT), [bot.id]);
    await until(() => entry.status === "CANCELED", 5000, "the entry to be cancelled at the exchange");
    expect(fake.requests.some((r) => (r.path.includes("cancel") || r.method === "DELETE") && r.status === 200 && r.apiKey === fake.keys.trade!.apiKey)).toBe(true);
    expect(h.services.db.bots.activeOrders(bot.id)).toEqual([]);
    // OKX holds a dead-man switch while the entry works (armed, then disarmed once nothing works);
    // Bybit's fires only when a private websocket drops, so a polling bot does not arm it.
    const deadMan = fake.requests.filter((r) => /cancel-all-after|disconnected-cancel-all/.test(r.path) && r.status === 200).length;
    if (venue === "okx") expect(deadMan).toBeGreaterThanOrEqual(2);
    else expect(deadMan).toBe(0);
    await h.caller.bots.stop({ id: bot.id });
  });

  it("no secret or passphrase of the key appears in the database, logs, events or responses", () => {
    const k = fake.keys.trade!;
    expectNoSecrets(leakSites(h), [k.secret, k.apiKey, ...(k.passphrase ? [k.passphrase] : [])]);
  });
});

describe("an OKX demo-trading (testnet) key (fake)", () => {
  let h: Harness;
  let fake: VenueFake;
  beforeAll(async () => {
    fake = await startVenueFake("okx", { ...marketOptions(), keys: { demo: { demo: true } } });
    vi.setSystemTime(clockAt(fake));
    h = await harness({ exchange: { urls: { okx: fake.url } }, bots: { streams: false } });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it("is probed and traded in the demo environment only; a real key is refused as a testnet key", async () => {
    const real = fake.keys.trade!;
    const before = (await h.caller.keys.list()).length;
    expect(await userErrorOf(h.caller.keys.add({ exchange: "okx", testnet: true, apiKey: real.apiKey, secret: real.secret, password: real.passphrase }))).toMatchObject({ kind: "key", reason: "bad-key" });
    expect((await h.caller.keys.list()).length).toBe(before);

    const demo = fake.keys.demo!;
    const key = await h.caller.keys.add({ exchange: "okx", testnet: true, label: "OKX demo", apiKey: demo.apiKey, secret: demo.secret, password: demo.passphrase });
    expect(key).toMatchObject({ testnet: true, liveAllowed: true });
    const flow = smaFlow(5, 13);
    flow.market = { exchange: "okx", symbol: "BTC/USDT", timeframe: "1m" };
    const bot = await h.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true, name: "okx demo" });
    // Play money: no probation on a testnet bot.
    expect(bot).toMatchObject({ testnet: true, probation: null });
    await caughtUp(h, bot.id, 10_000, fake);
    while (fake.engine.orders.length < 2 && fake.engine.closed < COUNT) {
      fake.advance();
      vi.setSystemTime(clockAt(fake));
      await caughtUp(h, bot.id, 10_000, fake);
    }
    expect(fake.engine.orders.length).toBeGreaterThanOrEqual(2);
    // Every signed request of the demo key carried the demo header (the fake refuses it otherwise): the only
    // refused request is the real key's probe, sent with the header.
    expect(fake.requests.filter((r) => r.apiKey === demo.apiKey && r.method === "POST").length).toBeGreaterThanOrEqual(2);
    expect(fake.requests.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.path}`)).toEqual(["401 /api/v5/account/config"]);
    await h.caller.bots.stop({ id: bot.id });
  });
});
