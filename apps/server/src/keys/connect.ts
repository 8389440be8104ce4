// The one place the server makes exchange instances for keys and bots: shared limiter per
// (exchange, key), the configured timeout, and the endpoint override for tests and development.
import { createExchange, redirectExchange, rememberBans, sharedLimiters, type BanBook, type Credentials, type LimiterRegistry } from "@keyflow/exchange";
import type { Exchange } from "ccxt";
import type { ExchangeSettings } from "./exchangeSettings";

export interface ConnectOptions {
  credentials?: Credentials;
  /** The key record id: every instance of one key shares one limiter. Public instances share "public". */
  keyId?: string;
  limiters?: LimiterRegistry;
  /** Where 429/418 pauses and announced bans are kept across restarts (the database); honoured before the first request. */
  bans?: BanBook;
  /** The key is a testnet / demo key: the instance talks to the exchange's test environment only. */
  testnet?: boolean;
  /** ccxt's websocket class (for the shared stream connection of a key). */
  stream?: boolean;
}

export function connectExchange(settings: ExchangeSettings, exchangeId: string, opts: ConnectOptions = {}): Exchange {
  const limiters = opts.limiters ?? sharedLimiters;
  const keyId = opts.keyId ?? "public";
  const limiter = limiters.get(exchangeId, keyId, settings.limit);
  if (opts.bans) rememberBans(limiter, exchangeId, keyId, opts.bans);
  const ex = createExchange({
    exchangeId,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    limiter,
    ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
    ...(settings.ccxtRateLimitMs !== undefined ? { ccxtRateLimitMs: settings.ccxtRateLimitMs } : {}),
    ...(opts.testnet ? { testnet: true } : {}),
    ...(opts.stream ? { stream: true } : {}),
  });
  const base = (opts.testnet ? settings.urls[`${exchangeId}:testnet`] : undefined) ?? settings.urls[exchangeId];
  if (base) redirectExchange(ex, base);
  return ex;
}

/** Replaces an instance's credentials in place: its next signed request uses them. */
export function setCredentials(ex: Exchange, c: Credentials): void {
  ex.apiKey = c.apiKey;
  ex.secret = c.secret;
  ex.password = c.password ?? "";
  ex.uid = c.uid ?? "";
}
