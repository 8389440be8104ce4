// One rate limiter per (exchange, key), shared by every bot and request that uses the key. It gates
// each HTTP request ccxt makes — including the ones ccxt makes on its own, like loadMarkets or a
// time sync — and stops everyone when the exchange answers 429 / 418.
import type { Exchange } from "ccxt";
import { systemClock, type Clock } from "./clock";
import { classifyError, retryAfterMs } from "./errors";

export interface LimiterConfig {
  /** At most this many requests start within any window of windowMs. */
  maxRequests: number;
  windowMs: number;
  /** Pause when a 429/418 carries no Retry-After (default 60 s, Binance's ban unit). */
  defaultPauseMs?: number;
  /**
   * The exchange counts ARRIVALS; we can only space DEPARTURES. A request that travels slower than
   * the next one (a new connection, a GC pause) bunches them up at the exchange. Grants are therefore
   * spaced over windowMs + latencyAllowanceMs (default 250 ms), so arrivals fit the real window as
   * long as latency varies by less than that (100 ms was exceeded on a loaded machine: 41 of 40).
   */
  latencyAllowanceMs?: number;
}

export const DEFAULT_LIMIT: LimiterConfig = { maxRequests: 10, windowMs: 1000 };
const DEFAULT_LATENCY_ALLOWANCE_MS = 250;

/**
 * A sliding-window log: a request is granted only when fewer than maxRequests were granted in the
 * last windowMs (+ latency allowance), so no window of that length ever holds more (a token bucket would allow a burst of
 * 2x at a refill boundary). Waiters are served first come, first served.
 */
export class RateLimiter {
  private readonly grants: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private pausedUntilMs = 0;
  private grantedTotal = 0;
  private readonly pauseListeners = new Set<(untilMs: number, why: string) => void>();

  constructor(
    readonly config: LimiterConfig,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(config.maxRequests >= 1) || !(config.windowMs > 0)) {
      throw new Error(`rate limiter needs maxRequests >= 1 and windowMs > 0, got ${JSON.stringify(config)}`);
    }
  }

  get granted(): number {
    return this.grantedTotal;
  }

  get pausedUntil(): number {
    return this.pausedUntilMs;
  }

  /** Resolves when the caller may send one request. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.waitTurn());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Holds every waiter for ms (a 429/418 Retry-After). Never shortens an existing pause. */
  pause(ms: number, why = "paused"): void {
    const until = this.clock.now() + Math.max(0, ms);
    if (until <= this.pausedUntilMs) return;
    this.pausedUntilMs = until;
    for (const listener of this.pauseListeners) listener(until, why);
  }

  /** Told of every pause that extends the current one (to remember it across restarts). */
  onPause(listener: (untilMs: number, why: string) => void): () => void {
    this.pauseListeners.add(listener);
    return () => this.pauseListeners.delete(listener);
  }

  private async waitTurn(): Promise<void> {
    const { maxRequests } = this.config;
    const windowMs = this.config.windowMs + (this.config.latencyAllowanceMs ?? DEFAULT_LATENCY_ALLOWANCE_MS);
    for (;;) {
      const now = this.clock.now();
      while (this.grants.length > 0 && this.grants[0]! <= now - windowMs) this.grants.shift();
      let wait = this.pausedUntilMs - now;
      if (this.grants.length >= maxRequests) {
        // The oldest grant that must leave the window before one more fits.
        const mustExpire = this.grants[this.grants.length - maxRequests]!;
        wait = Math.max(wait, mustExpire + windowMs - now);
      }
      if (wait <= 0) {
        this.grants.push(now);
        this.grantedTotal += 1;
        return;
      }
      await this.clock.sleep(wait);
    }
  }
}

/** Hands out the one limiter of each (exchange id, key id). */
export class LimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(
    private readonly configFor: (exchangeId: string) => LimiterConfig = () => DEFAULT_LIMIT,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The shared limiter; `config` applies only when this call creates it. */
  get(exchangeId: string, keyId: string, config?: LimiterConfig): RateLimiter {
    const id = `${exchangeId}\u0000${keyId}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiter(config ?? this.configFor(exchangeId), this.clock);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /** Forget a key's limiter (key deleted). */
  delete(exchangeId: string, keyId: string): void {
    this.limiters.delete(`${exchangeId}\u0000${keyId}`);
  }
}

/** The process-wide registry the server uses; tests make their own. */
export const sharedLimiters = new LimiterRegistry();

interface HookableExchange {
  enableRateLimit: boolean;
  throttle: (cost?: number) => Promise<unknown>;
  fetch: (url: string, method?: string, headers?: unknown, body?: unknown) => Promise<unknown>;
  last_response_headers: Record<string, unknown> | undefined;
}

/** The longest announced ban Keyflow believes: Binance's IP bans go up to 3 days; a later end is a garbled number. */
const MAX_BAN_MS = 4 * 86_400_000;

/** Set on a 429/418 error by the hook, read by the retrier: the Retry-After in ms, if any. */
export const RETRY_AFTER_MS = Symbol("keyflow.retryAfterMs");

/**
 * Routes every request of this ccxt instance through the limiter. ccxt calls `throttle` BEFORE it
 * signs (fetch2: throttle → sign → fetch), so time spent waiting here never stales the signed
 * timestamp. The `fetch` hook sees 429/418 and pauses the limiter for everyone sharing it.
 */
const REQUESTS = Symbol("keyflow.requests");

/** HTTP requests this instance has sent (counted where the limiter sees them), for requests-per-minute figures. */
export function requestCount(exchange: Exchange): number {
  return (exchange as unknown as { [REQUESTS]?: number })[REQUESTS] ?? 0;
}

export function attachLimiter<T extends Exchange>(exchange: T, limiter: RateLimiter, clock: Clock = systemClock): T {
  const ex = exchange as unknown as HookableExchange;
  ex.enableRateLimit = true;
  const ccxtThrottle = ex.throttle.bind(exchange);
  ex.throttle = async (cost?: number) => {
    await limiter.acquire();
    return ccxtThrottle(cost);
  };
  const ccxtFetch = ex.fetch.bind(exchange);
  ex.fetch = async (url, method, headers, body) => {
    const counted = exchange as unknown as { [REQUESTS]?: number };
    counted[REQUESTS] = (counted[REQUESTS] ?? 0) + 1;
    try {
      return await ccxtFetch(url, method, headers, body);
    } catch (e) {
      if (classifyError(e) === "rate-limited") {
        // ccxt stores the headers on the instance before handleErrors throws.
        const now = clock.now();
        const headerMs = retryAfterMs(ex.last_response_headers, now);
        // An announced end beyond the longest real ban is not believed (a garbled number must not stop trading for good).
        const announcedAt = announcedBanEnd(e);
        const announced = announcedAt !== undefined && announcedAt - now <= MAX_BAN_MS ? announcedAt : undefined;
        const ms = announced !== undefined ? Math.max(headerMs ?? 0, announced - now) : headerMs;
        (e as unknown as Record<symbol, unknown>)[RETRY_AFTER_MS] = ms;
        const pauseMs = ms ?? limiter.config.defaultPauseMs ?? 60_000;
        limiter.pause(pauseMs, announced !== undefined ? "the exchange banned this address" : `the exchange asked to wait ${Math.ceil(pauseMs / 1000)} s`);
      }
      throw e;
    }
  };
  return exchange;
}

/** Binance -1003: "Way too many requests; IP banned until 1659146400000." — the end of the ban, in unix ms. */
export function announcedBanEnd(e: unknown): number | undefined {
  const m = /banned until (\d{12,14})/i.exec(e instanceof Error ? e.message : String(e));
  return m ? Number(m[1]) : undefined;
}

/** Where bans are kept between processes (the server's database). */
export interface BanBook {
  /** When the latest ban on this exchange ends, or null. */
  activeUntil(exchangeId: string): number | null;
  record(exchangeId: string, keyId: string, until: number, reason: string): void;
}

const remembering = new WeakSet<RateLimiter>();

/**
 * Makes a limiter honour a ban recorded by any process (before its first request) and record the
 * pauses it takes, so a restart during a ban does not lengthen it with early requests.
 */
export function rememberBans(limiter: RateLimiter, exchangeId: string, keyId: string, book: BanBook, clock: Clock = systemClock): void {
  const until = book.activeUntil(exchangeId);
  if (until !== null) limiter.pause(until - clock.now(), "a ban recorded before this start");
  if (remembering.has(limiter)) return;
  remembering.add(limiter);
  // Registered after the pause above, so only pauses this process is told about are recorded.
  limiter.onPause((end, why) => book.record(exchangeId, keyId, end, why));
}
