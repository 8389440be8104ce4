// The one retrier every exchange call goes through: it knows which failures are temporary.
import type { Exchange } from "ccxt";
import { systemClock, type Clock } from "./clock";
import { classifyError, isTransient, provesNotExecuted, UnknownOutcomeError, type ErrorKind } from "./errors";
import { RETRY_AFTER_MS } from "./limiter";
import { redact } from "./redact";

export interface RetryPolicy {
  /** Total tries including the first (default 5). */
  maxAttempts: number;
  /** First back-off step; doubles each retry (default 500 ms). */
  baseDelayMs: number;
  /** Back-off ceiling (default 30 s). */
  maxDelayMs: number;
  /** Wait after a 429/418 that carried no Retry-After (default 60 s). */
  rateLimitFallbackMs: number;
  /** Time resyncs allowed per call after a timestamp rejection (default 2). */
  maxClockResyncs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  rateLimitFallbackMs: 60_000,
  maxClockResyncs: 2,
};

export interface RetryEvent {
  label: string;
  attempt: number;
  kind: ErrorKind;
  delayMs: number;
  /** A safe one-line description (ccxt messages carry URLs, never credentials). */
  message: string;
}

export interface RetrierOptions extends Partial<RetryPolicy> {
  clock?: Clock;
  /** Jitter source in [0, 1); inject seededRandom(n) in tests. */
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export interface CallOptions {
  /**
   * A read, or a write the exchange de-duplicates: safe to repeat after any transient failure.
   * False for order placement: after a timeout, a 5xx or a cut connection it is NOT repeated, and
   * UnknownOutcomeError is thrown so the caller looks the order up by its client order id.
   */
  idempotent: boolean;
}

export class Retrier {
  readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(opts: RetrierOptions = {}) {
    const { clock, random, onRetry, ...policy } = opts;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(policy) };
    this.clock = clock ?? systemClock;
    this.random = random ?? Math.random;
    this.onRetry = onRetry;
  }

  /** Exponential back-off with "equal jitter": half fixed, half random, so it is never near zero. */
  backoffMs(attempt: number): number {
    const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + (cap / 2) * this.random());
  }

  async call<T>(exchange: Exchange, label: string, fn: () => Promise<T>, opts: CallOptions): Promise<T> {
    let resyncs = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        forgetFailedMarketLoad(exchange);
        const kind = classifyError(e);
        if (!isTransient(kind)) throw e;
        if (!opts.idempotent && !provesNotExecuted(kind, e)) {
          throw new UnknownOutcomeError(kind, `${label}: outcome unknown after ${kind} (${firstLine(e)})`);
        }
        if (attempt >= this.policy.maxAttempts) throw e;
        let delayMs = this.backoffMs(attempt);
        if (kind === "rate-limited") {
          const retryAfter = (e as Record<symbol, unknown>)[RETRY_AFTER_MS];
          delayMs = Math.max(delayMs, typeof retryAfter === "number" ? retryAfter : this.policy.rateLimitFallbackMs);
        } else if (kind === "clock") {
          if (resyncs >= this.policy.maxClockResyncs || !exchange.has["fetchTime"]) throw e;
          resyncs += 1;
          // Re-measure the offset (ccxt: options.timeDifference = local - serverTime; nonce() subtracts it).
          await exchange.loadTimeDifference();
          delayMs = 0;
        }
        this.onRetry?.({ label, attempt, kind, delayMs, message: firstLine(e) });
        if (delayMs > 0) await this.clock.sleep(delayMs);
      }
    }
  }
}

export const createRetrier = (opts: RetrierOptions = {}): Retrier => new Retrier(opts);

/**
 * ccxt's loadMarkets memoizes its promise — including a REJECTED one: after one failed load, every
 * call that needs markets re-throws the same error without a request. Forget it so the next try
 * really loads.
 */
function forgetFailedMarketLoad(exchange: Exchange): void {
  const ex = exchange as unknown as { markets?: unknown; marketsLoading?: unknown };
  if (ex.markets === undefined && ex.marketsLoading !== undefined) ex.marketsLoading = undefined;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
  return redact(text.split("\n")[0]!).slice(0, 300);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
