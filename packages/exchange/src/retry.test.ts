import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { seededRandom, virtualClock, type VirtualClock } from "./clock";
import { RateLimiter } from "./limiter";
import { OrderGateway } from "./orderGateway";
import { Retrier, type RetryEvent } from "./retry";
import { harness, type Harness } from "./testing/fake";

let h: Harness;
let clock: VirtualClock;
let events: RetryEvent[];

beforeEach(async () => {
  h = await harness();
  clock = virtualClock(Date.now());
  events = [];
});
afterEach(() => h.close());

/** A gateway whose back-off sleeps are virtual (instant) and whose jitter is seeded. */
function gateway(opts: { connect?: Parameters<Harness["connect"]>[0]; limiter?: RateLimiter; retrier?: Partial<ConstructorParameters<typeof Retrier>[0]> } = {}) {
  const ex = h.connect({ ...opts.connect, ...(opts.limiter ? { limiter: opts.limiter } : {}) });
  const retrier = new Retrier({ clock, random: seededRandom(42), onRetry: (e) => events.push(e), ...opts.retrier });
  return { ex, gw: new OrderGateway(ex, retrier), retrier };
}

const ACCOUNT = { path: "/api/v3/account" };
const POST_ORDER = { method: "POST", path: "/api/v3/order" };

describe("retrier: transient faults on reads are retried", () => {
  it("retries 500, 502 and 503 with seeded, jittered exponential back-off", async () => {
    const { gw } = gateway();
    await gw.loadMarkets();
    for (const status of [500, 502, 503]) h.fake.faults.inject({ kind: "status", status }, ACCOUNT);
    const bal = await gw.fetchBalance();
    expect(bal.total["USDT"]).toBe(10_000);
    expect(h.fake.stats.count(ACCOUNT)).toBe(4);
    expect(events.map((e) => e.kind)).toEqual(["unavailable", "unavailable", "unavailable"]);
    // The same seed gives the same delays; each lies in [cap/2, cap] of base 500 ms doubling.
    const twin = new Retrier({ random: seededRandom(42) });
    expect(clock.sleeps).toEqual([1, 2, 3].map((a) => twin.backoffMs(a)));
    clock.sleeps.forEach((ms, i) => {
      const cap = 500 * 2 ** i;
      expect(ms).toBeGreaterThanOrEqual(cap / 2);
      expect(ms).toBeLessThanOrEqual(cap);
    });
  });

  it("retries a read that got no answer (timeout)", async () => {
    const ex = h.connect({ timeoutMs: 150 });
    const gw = new OrderGateway(ex, new Retrier({ clock, random: seededRandom(1), onRetry: (e) => events.push(e) }));
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "timeout" }, ACCOUNT);
    expect((await gw.fetchBalance()).total["USDT"]).toBe(10_000);
    expect(events.map((e) => e.kind)).toEqual(["timeout"]);
    expect(h.fake.stats.count(ACCOUNT)).toBe(2);
  });

  it("gives up after maxAttempts and surfaces the last error", async () => {
    const { gw } = gateway({ retrier: { maxAttempts: 3 } });
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "status", status: 503 }, { ...ACCOUNT, times: 10 });
    await expect(gw.fetchBalance()).rejects.toThrow(/503/);
    expect(h.fake.stats.count(ACCOUNT)).toBe(3);
  });

  it("recovers from a failed first loadMarkets, which ccxt would otherwise re-throw forever", async () => {
    const { gw } = gateway();
    h.fake.faults.inject({ kind: "status", status: 502 }, { path: "/api/v3/exchangeInfo" });
    expect(Object.keys(await gw.loadMarkets())).toContain("BTC/USDT");
    expect(h.fake.stats.count({ path: "/api/v3/exchangeInfo" })).toBe(2);
  });
});

describe("retrier: 429 / 418 honour Retry-After and stop every caller of the key", () => {
  it("waits at least Retry-After after a 429, then succeeds", async () => {
    const limiter = new RateLimiter({ maxRequests: 100, windowMs: 1000 }, clock);
    const { gw } = gateway({ limiter });
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "rateLimit", status: 429, retryAfterSec: 3 }, ACCOUNT);
    const before = clock.now();
    expect((await gw.fetchBalance()).total["USDT"]).toBe(10_000);
    expect(events).toMatchObject([{ kind: "rate-limited", delayMs: 3000 }]);
    expect(clock.now() - before).toBeGreaterThanOrEqual(3000);
    expect(h.fake.stats.count(ACCOUNT)).toBe(2);
  });

  it("after a 418 ban, another bot sharing the key's limiter waits out Retry-After too", async () => {
    const limiter = new RateLimiter({ maxRequests: 100, windowMs: 1000 }, clock);
    const a = gateway({ limiter, retrier: { maxAttempts: 1 } });
    const b = gateway({ limiter });
    await a.gw.loadMarkets();
    await b.gw.loadMarkets();
    h.fake.faults.inject({ kind: "rateLimit", status: 418, retryAfterSec: 120 }, ACCOUNT);
    await expect(a.gw.fetchBalance()).rejects.toThrow(/418/);
    const bannedAt = clock.now();
    expect(limiter.pausedUntil).toBeGreaterThanOrEqual(bannedAt + 120_000 - 5);
    expect((await b.gw.fetchBalance()).total["USDT"]).toBe(10_000);
    expect(clock.now() - bannedAt).toBeGreaterThanOrEqual(120_000 - 5);
    expect(h.fake.stats.count(ACCOUNT)).toBe(2);
  });

  it("retries an order refused with 429 (the exchange did not execute it)", async () => {
    const { gw } = gateway();
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "rateLimit", status: 429, retryAfterSec: 1 }, POST_ORDER);
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.001, clientOrderId: "kf-429" });
    expect(r.status).toBe("placed");
    expect(h.fake.stats.count(POST_ORDER)).toBe(2);
    expect(h.fake.engine.orders).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(1000);
  });
});

describe("retrier: -1021 timestamp errors resync the clock", () => {
  it("resyncs after the server clock moves and retries (ccxt loadTimeDifference)", async () => {
    const { ex, gw } = gateway();
    await gw.loadMarkets();
    h.fake.setClockSkew(-30_000);
    expect((await gw.fetchBalance()).total["USDT"]).toBe(10_000);
    expect(events.map((e) => e.kind)).toEqual(["clock"]);
    expect(ex.options["timeDifference"]).toBeGreaterThan(29_000);
    expect(h.fake.stats.count({ path: "/api/v3/time" })).toBeGreaterThanOrEqual(1);
  });

  it("loads markets through a skewed clock from the start (adjustForTimeDifference)", async () => {
    h.fake.setClockSkew(45_000);
    const { gw } = gateway();
    expect((await gw.fetchBalance()).total["USDT"]).toBe(10_000);
    expect(events).toEqual([]);
  });

  it("resends an order rejected with -1021 (it was not executed) exactly once", async () => {
    const { gw } = gateway();
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "timestamp" }, POST_ORDER);
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.001, clientOrderId: "kf-1021" });
    expect(r.status).toBe("placed");
    expect(events.map((e) => e.kind)).toEqual(["clock"]);
    expect(h.fake.stats.count(POST_ORDER)).toBe(2);
    expect(h.fake.engine.orders).toHaveLength(1);
  });
});

describe("retrier: rejections are never retried", () => {
  it("does not retry insufficient balance (-2010)", async () => {
    const { gw } = gateway();
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "reject", code: -2010, msg: "Account has insufficient balance for requested action." }, POST_ORDER);
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.001, clientOrderId: "kf-poor" });
    expect(r).toMatchObject({ status: "rejected", reason: "insufficient-funds" });
    expect(h.fake.stats.count(POST_ORDER)).toBe(1);
    expect(events).toEqual([]);
  });

  it("does not retry a min-notional rejection (-1013 Filter failure: NOTIONAL)", async () => {
    const { gw } = gateway();
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "reject", code: -1013, msg: "Filter failure: NOTIONAL" }, POST_ORDER);
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.001, clientOrderId: "kf-small" });
    expect(r).toMatchObject({ status: "rejected", reason: "invalid-order" });
    expect(h.fake.stats.count(POST_ORDER)).toBe(1);
  });

  it("does not retry a missing trade permission, even though ccxt raises it as DDoSProtection", async () => {
    const { gw } = gateway({ connect: { key: h.fake.keys.readOnly! } });
    await gw.fetchBalance(); // authenticated once: ccxt now maps -2015 to DDoSProtection
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.001, clientOrderId: "kf-ro" });
    expect(r).toMatchObject({ status: "rejected", reason: "permission" });
    expect(h.fake.stats.count(POST_ORDER)).toBe(1);
    expect(r.status === "rejected" && r.message).not.toContain(h.fake.keys.readOnly!.secret);
  });
});

describe("retrier: an order send with an unknown outcome is never resent", () => {
  it("dropped response after the order was accepted → unknown, then found by client order id", async () => {
    const { gw } = gateway();
    await gw.loadMarkets();
    h.fake.faults.inject({ kind: "dropAfterAccept" }, POST_ORDER);
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.002, clientOrderId: "kf-lost" });
    expect(r).toMatchObject({ status: "unknown", clientOrderId: "kf-lost", symbol: "BTC/USDT" });
    expect(h.fake.stats.count(POST_ORDER)).toBe(1);
    const found = await gw.findOrderByClientId("BTC/USDT", "kf-lost");
    expect(found).toMatchObject({ clientOrderId: "kf-lost", status: "open", amount: 0.002 });
    h.fake.advance();
    expect(await gw.findOrderByClientId("BTC/USDT", "kf-lost")).toMatchObject({ status: "closed", filled: 0.002 });
    expect(h.fake.engine.orders).toHaveLength(1);
  });

  for (const [name, fault] of [
    ["a 503", { kind: "status", status: 503 }],
    ["a timeout", { kind: "timeout" }],
  ] as const) {
    it(`${name} on send → unknown; the lookup shows it never arrived, so the same id can be sent again`, async () => {
      const ex = h.connect({ timeoutMs: 150 });
      const gw = new OrderGateway(ex, new Retrier({ clock, random: seededRandom(3) }));
      await gw.loadMarkets();
      h.fake.faults.inject(fault, POST_ORDER);
      const req = { symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.001, clientOrderId: "kf-5xx" } as const;
      expect((await gw.placeOrder(req)).status).toBe("unknown");
      expect(h.fake.stats.count(POST_ORDER)).toBe(1);
      expect(await gw.findOrderByClientId("BTC/USDT", "kf-5xx")).toBeNull();
      expect((await gw.placeOrder(req)).status).toBe("placed");
      expect(h.fake.engine.orders).toHaveLength(1);
    });
  }
});
