// Every fault the fake exchange can inject, hitting a RUNNING live bot at the moment it places an
// order (or reads): the bot survives with the right outcome, never places an order twice, and its
// position stays equal to the exchange's balance.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fault } from "../../../test/fake-exchange/index";
import { makeCandles } from "../../../test/fake-exchange/index";
import { caughtUp, expectNoSecrets, harness, leakSites, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 4, 1);
const POST_ORDER = { method: "POST", path: "/api/v3/order" };

let h: Harness;
let botId: string;

beforeAll(async () => {
  h = await harness({
    fake: {
      candles: { BTCUSDT: makeCandles({ start: START, count: 3000, seed: 5 }), ETHUSDT: makeCandles({ start: START, count: 3000, seed: 6, startPrice: 2000 }) },
      closedAtStart: 10,
      balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
      feeRate: 0.001,
    },
    exchange: { timeoutMs: 800 },
    // Faults of the REST path (candles, order lookups, the shared limiter under load): the bot polls, as it
    // does whenever its streams are down. The stream path has its own faults in streams.test.ts.
    bots: { streams: false },
  });
  const key = await h.caller.keys.add({ exchange: "binance", apiKey: h.fake.keys.trade!.apiKey, secret: h.fake.keys.trade!.secret });
  botId = (await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 })).id;
  await caughtUp(h, botId);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const db = () => h.services.db;
const journal = () => db().bots.allOrders(botId);

/** Candle by candle until the fault was used and the order it hit (if any) is settled. */
async function driveThrough(maxBars = 60): Promise<void> {
  for (let i = 0; i < maxBars; i++) {
    h.fake.advance();
    await caughtUp(h, botId);
    if (h.fake.faults.pending() === 0 && db().bots.activeOrders(botId).length === 0 && i > 0) return;
  }
  throw new Error("the fault was not consumed or an order never settled");
}

/** The invariants that must hold after every fault (over every bot: they share the account). */
function expectConsistent(): void {
  const bots = db().bots.list();
  expect(db().bots.get(botId)!.status).toBe("running");
  const ids = h.fake.engine.orders.map((o) => o.clientOrderId);
  expect(new Set(ids).size).toBe(ids.length);
  const byId = new Map(bots.flatMap((b) => db().bots.allOrders(b.id)).map((o) => [o.clientOrderId, o]));
  for (const o of h.fake.engine.orders) expect(byId.get(o.clientOrderId)?.exchangeOrderId).toBe(String(o.orderId));
  const fills = bots.flatMap((b) => db().bots.fills(b.id)).map((f) => f.tradeId).sort();
  expect(fills).toEqual(h.fake.engine.trades.map((t) => String(t.id)).sort());
  const btc = h.fake.engine.balance("BTC");
  expect(bots.reduce((s, b) => s + b.book.qty, 0)).toBeCloseTo(btc.free + btc.locked, 8);
}

/** Injects a fault into the next order request; returns the journal row of the order it hit. */
async function faultOnNextOrder(fault: Fault) {
  const before = new Set(journal().map((o) => o.id));
  h.fake.faults.inject(fault, POST_ORDER);
  await driveThrough();
  const hit = journal().find((o) => !before.has(o.id));
  expect(hit).toBeDefined();
  return hit!;
}

const eventsText = () => db().bots.recentEvents(botId, 1000).map((e) => e.message).join("\n");

describe("faults while placing an order", () => {
  for (const status of [500, 502, 503]) {
    it(`HTTP ${status} on the order request: outcome unknown → looked up by client id → not there → not resent`, async () => {
      const hit = await faultOnNextOrder({ kind: "status", status });
      expect(hit.status).toBe("rejected");
      expect(hit.message).toMatch(/never placed/);
      expect(h.fake.engine.orders.some((o) => o.clientOrderId === hit.clientOrderId)).toBe(false);
      expectConsistent();
    });
  }

  it("timeout on the order request: looked up, not there, not resent", async () => {
    const hit = await faultOnNextOrder({ kind: "timeout" });
    expect(hit.status).toBe("rejected");
    expect(eventsText()).toMatch(/did not confirm .* looking it up by its client order id/);
    expectConsistent();
  });

  it("response dropped after the exchange accepted the order: found by client id, adopted, filled once", async () => {
    const hit = await faultOnNextOrder({ kind: "dropAfterAccept" });
    expect(hit.status).toBe("filled");
    expect(h.fake.engine.orders.filter((o) => o.clientOrderId === hit.clientOrderId)).toHaveLength(1);
    expect(eventsText()).toMatch(/Found the .* order .* on the exchange .* not sent again/);
    expectConsistent();
  });

  for (const status of [429, 418] as const) {
    it(`HTTP ${status} with Retry-After: waits it out (everyone on the key), then places the order once`, async () => {
      h.fake.stats.reset();
      const hit = await faultOnNextOrder({ kind: "rateLimit", status, retryAfterSec: 1 });
      expect(hit.status).toBe("filled");
      const posts = h.fake.stats.requests.filter((r) => r.method === "POST" && r.path === "/api/v3/order");
      const refused = posts.findIndex((r) => r.outcome === status);
      expect(refused).toBeGreaterThanOrEqual(0);
      // The next request of ANY kind on this key came only after Retry-After.
      const after = h.fake.stats.requests.filter((r) => r.at > posts[refused]!.at);
      expect(after[0]!.at - posts[refused]!.at).toBeGreaterThanOrEqual(990);
      expectConsistent();
    });
  }

  it("-1021 timestamp outside recvWindow: resyncs the clock and places the order once", async () => {
    h.fake.stats.reset();
    const hit = await faultOnNextOrder({ kind: "timestamp" });
    expect(hit.status).toBe("filled");
    expect(h.fake.stats.count({ path: "/api/v3/time" })).toBeGreaterThan(0);
    expectConsistent();
  });

  it("insufficient balance: rejected, logged, the bot goes on and trades once funds are back", async () => {
    const usdt = h.fake.engine.balance("USDT").free;
    // Only entries spend USDT: wait until flat so the next order is an entry.
    await until(async () => {
      if (db().bots.get(botId)!.book.qty < 0.0001 && db().bots.activeOrders(botId).length === 0) return true;
      h.fake.advance();
      await caughtUp(h, botId);
      return false;
    }, 20_000, "a flat position");
    h.fake.setBalance("USDT", 50);
    const before = journal().length;
    await until(async () => {
      h.fake.advance();
      await caughtUp(h, botId);
      return journal().length > before;
    }, 20_000, "an entry");
    const hit = journal().at(-1)!;
    expect(hit).toMatchObject({ status: "rejected", side: "buy" });
    expect(hit.message).toMatch(/insufficient balance/);
    expect(eventsText()).toMatch(/rejected \(insufficient-funds\)/);
    h.fake.setBalance("USDT", usdt);
    const n = h.fake.engine.orders.length;
    await until(async () => {
      h.fake.advance();
      await caughtUp(h, botId);
      return h.fake.engine.orders.length > n;
    }, 20_000, "the next order");
    expectConsistent();
  });

  it("min notional rejected by the exchange: rejected, logged, no retry of that order", async () => {
    const hit = await faultOnNextOrder({ kind: "reject", code: -1013, msg: "Filter failure: NOTIONAL" });
    expect(hit.status).toBe("rejected");
    expect(hit.message).toMatch(/NOTIONAL/);
    expect(h.fake.engine.orders.some((o) => o.clientOrderId === hit.clientOrderId)).toBe(false);
    expectConsistent();
  });
});

describe("faults while reading", () => {
  it("5xx and timeouts on candles, order lookups and balances are retried; the bot keeps going", async () => {
    h.fake.faults.inject({ kind: "status", status: 503 }, { path: "/api/v3/klines", times: 2 });
    h.fake.faults.inject({ kind: "timeout" }, { path: "/api/v3/klines" });
    h.fake.faults.inject({ kind: "status", status: 500 }, { method: "GET", path: "/api/v3/order", times: 2 });
    await driveThrough();
    expect(eventsText()).toMatch(/Exchange unavailable on fetchOHLCV; retrying/);
    expect(eventsText()).toMatch(/Exchange timeout on fetchOHLCV; retrying/);
    expectConsistent();
  });
});

describe("rate limit", () => {
  it("requests per window never exceed the configured limit, with two bots sharing one key", async () => {
    // A second live bot on the same key: both go through the one limiter of (binance, key).
    const keyId = db().bots.get(botId)!.keyId!;
    const second = await h.caller.bots.deploy({ flow: smaFlow(3, 7), mode: "live", keyId, confirmLive: true, warmupBars: 50 });
    await caughtUp(h, second.id);
    h.fake.stats.reset();
    const t0 = Date.now();
    while (Date.now() - t0 < 3000) {
      h.fake.advance();
      await Promise.all([caughtUp(h, botId), caughtUp(h, second.id)]);
    }
    const limit = h.services.config.exchange!.limit;
    const max = h.fake.stats.maxInWindow(limit.windowMs);
    console.log(`rate limit: ${h.fake.stats.requests.length} requests in 3 s, at most ${max} in any ${limit.windowMs} ms window (limit ${limit.maxRequests})`);
    expect(max).toBeLessThanOrEqual(limit.maxRequests);
    expect(h.fake.stats.requests.length).toBeGreaterThan(limit.maxRequests * 2);
    await h.caller.bots.stop({ id: second.id });
    await until(() => db().bots.activeOrders(botId).length === 0 || (h.fake.advance(), false), 5000, "orders to settle");
    await caughtUp(h, botId);
    await until(() => db().bots.activeOrders(botId).length === 0, 5000, "orders to settle");
    expectConsistent();
  });
});

describe("secrets", () => {
  it("the key's secret appears nowhere after all of the above", () => {
    expectNoSecrets(leakSites(h), [h.fake.keys.trade!.secret, h.fake.keys.trade!.apiKey]);
  });
});
