import { afterEach, describe, expect, it } from "vitest";
import { virtualClock } from "./clock";
import { LimiterRegistry, RateLimiter } from "./limiter";
import { harness, type Harness } from "./testing/fake";

/** The largest number of timestamps inside any half-open window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe("RateLimiter (virtual clock)", () => {
  it("never grants more than maxRequests in any window, first come first served", async () => {
    const clock = virtualClock(1_000);
    const limiter = new RateLimiter({ maxRequests: 5, windowMs: 1000, latencyAllowanceMs: 0 }, clock);
    const grants: Array<[number, number]> = [];
    await Promise.all(Array.from({ length: 23 }, (_, i) => limiter.acquire().then(() => grants.push([i, clock.now()]))));
    expect(grants.map(([i]) => i)).toEqual([...Array(23).keys()]);
    expect(maxInWindow(grants.map(([, t]) => t), 1000)).toBe(5);
    // 23 requests at 5 per second need four full waits.
    expect(clock.now() - 1_000).toBe(4000);
    expect(limiter.granted).toBe(23);
  });

  it("spaces grants over the window plus a latency allowance", async () => {
    const clock = virtualClock(0);
    const limiter = new RateLimiter({ maxRequests: 2, windowMs: 1000, latencyAllowanceMs: 100 }, clock);
    const times: number[] = [];
    for (let i = 0; i < 4; i++) await limiter.acquire().then(() => times.push(clock.now()));
    expect(times).toEqual([0, 0, 1100, 1100]);
  });

  it("holds every caller during a pause (429/418 Retry-After)", async () => {
    const clock = virtualClock(0);
    const limiter = new RateLimiter({ maxRequests: 100, windowMs: 1000 }, clock);
    limiter.pause(3000);
    limiter.pause(1000); // a shorter pause never shortens the first
    await limiter.acquire();
    expect(clock.now()).toBe(3000);
    expect(clock.sleeps).toEqual([3000]);
  });

  it("refuses a nonsensical configuration", () => {
    expect(() => new RateLimiter({ maxRequests: 0, windowMs: 1000 })).toThrow(/maxRequests/);
  });
});

describe("LimiterRegistry", () => {
  it("hands out one limiter per (exchange, key)", () => {
    const reg = new LimiterRegistry();
    expect(reg.get("binance", "key-1")).toBe(reg.get("binance", "key-1"));
    expect(reg.get("binance", "key-1")).not.toBe(reg.get("binance", "key-2"));
    expect(reg.get("binance", "key-1")).not.toBe(reg.get("kraken", "key-1"));
    const first = reg.get("okx", "k", { maxRequests: 3, windowMs: 100 });
    expect(reg.get("okx", "k", { maxRequests: 99, windowMs: 1 }).config.maxRequests).toBe(3);
    reg.delete("okx", "k");
    expect(reg.get("okx", "k")).not.toBe(first);
  });
});

describe("shared limiter against the fake exchange (real clock)", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("keeps every bot's requests on one key within the configured rate, counted at the exchange", async () => {
    const windowMs = 250;
    const maxRequests = 5;
    // The fake itself answers 429 past 5 arrivals per window: it must never have to.
    h = await harness({ enforceRateLimit: { windowMs, max: maxRequests, retryAfterSec: 1 } });
    // A generous allowance: this machine may be busy running other test suites.
    const latencyAllowanceMs = 150;
    const registry = new LimiterRegistry(() => ({ maxRequests, windowMs, latencyAllowanceMs }));
    const bots = [0, 1, 2].map(() => h!.connect({ limiter: registry.get("binance", "key-1") }));
    // A ccxt instance's first request is slow (it lazily imports its HTTP client and connects), which
    // delays that one arrival by ~100 ms and would bunch it with the next window's requests at the
    // exchange. Warm each instance up, let the window pass, then measure.
    await Promise.all(bots.map((b) => b.fetchTime()));
    await new Promise((r) => setTimeout(r, windowMs));
    h.fake.stats.reset();
    const started = performance.now();
    await Promise.all(Array.from({ length: 21 }, (_, i) => bots[i % 3]!.fetchTime()));
    const elapsed = performance.now() - started;

    const key = { path: "/api/v3/time" };
    expect(h.fake.stats.count(key)).toBe(21);
    expect(h.fake.stats.count({ ...key })).toBe(h.fake.stats.requests.filter((r) => r.outcome === 200).length);
    expect(h.fake.stats.maxInWindow(windowMs, key)).toBeLessThanOrEqual(maxRequests);
    // 21 requests at 5 per (window + allowance) need at least four full spacings.
    expect(elapsed).toBeGreaterThanOrEqual(4 * (windowMs + latencyAllowanceMs) - 5);
  });
});
