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
   * spaced over windowMs + latencyAllowanceMs (default 100 ms), so arrivals fit the real window as
   * long as latency varies by less than that.
   */
  latencyAllowanceMs?: number;
}

export const DEFAULT_LIMIT: LimiterConfig = { maxRequests: 10, windowMs: 1000 };
const DEFAULT_LATENCY_ALLOWANCE_MS = 100;

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
  pause(ms: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.clock.now() + Math.max(0, ms));
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

/** Set on a 429/418 error by the hook, read by the retrier: the Retry-After in ms, if any. */
export const RETRY_AFTER_MS = Symbol("keyflow.retryAfterMs");

/**
 * Routes every request of this ccxt instance through the limiter. ccxt calls `throttle` BEFORE it
 * signs (fetch2: throttle → sign → fetch), so time spent waiting here never stales the signed
 * timestamp. The `fetch` hook sees 429/418 and pauses the limiter for everyone sharing it.
 */
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
    try {
      return await ccxtFetch(url, method, headers, body);
    } catch (e) {
      if (classifyError(e) === "rate-limited") {
        // ccxt stores the headers on the instance before handleErrors throws.
        const ms = retryAfterMs(ex.last_response_headers, clock.now());
        (e as unknown as Record<symbol, unknown>)[RETRY_AFTER_MS] = ms;
        limiter.pause(ms ?? limiter.config.defaultPauseMs ?? 60_000);
      }
      throw e;
    }
  };
  return exchange;
}
