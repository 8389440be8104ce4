import { DEFAULT_LIMIT, type LimiterConfig } from "@keyflow/exchange";

/** How signed exchange instances are made; read once from the environment by configFromEnv. */
export interface ExchangeSettings {
  /**
   * KEYFLOW_EXCHANGE_URLS, e.g. '{"binance":"http://127.0.0.1:1234"}': every REST URL of that
   * exchange gets this scheme, host and port (paths kept). For tests and development against a
   * fake exchange; empty (real endpoints) unless set. `"binance:testnet"` redirects what testnet keys
   * send (their bots' orders included), so tests can tell the two environments apart.
   */
  urls: Record<string, string>;
  /** KEYFLOW_EXCHANGE_TIMEOUT_MS: per-request timeout (ccxt default 10 000). */
  timeoutMs: number | undefined;
  /** KEYFLOW_RATE_LIMIT, e.g. "10/1000": at most 10 requests per 1000 ms per (exchange, key). */
  limit: LimiterConfig;
  /** KEYFLOW_CCXT_RATE_LIMIT_MS: ccxt's own per-weight spacing (tests lower it; default ccxt's). */
  ccxtRateLimitMs: number | undefined;
}

export const DEFAULT_EXCHANGE_SETTINGS: ExchangeSettings = { urls: {}, timeoutMs: undefined, limit: DEFAULT_LIMIT, ccxtRateLimitMs: undefined };

const positiveInt = (name: string, text: string | undefined): number | undefined => {
  const t = text?.trim();
  if (!t) return undefined;
  const n = Number(t);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number of milliseconds, not "${t}".`);
  return n;
};

/** Reads the KEYFLOW_EXCHANGE_* settings; throws a readable Error when they do not make sense. */
export function exchangeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ExchangeSettings {
  const urls: Record<string, string> = {};
  const urlsText = env.KEYFLOW_EXCHANGE_URLS?.trim();
  if (urlsText) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(urlsText);
    } catch {
      throw new Error(`KEYFLOW_EXCHANGE_URLS must be JSON like {"binance":"http://127.0.0.1:1234"}.`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`KEYFLOW_EXCHANGE_URLS must be a JSON object of exchange id → base URL.`);
    for (const [id, url] of Object.entries(parsed)) {
      if (typeof url !== "string" || !/^https?:\/\/[^/\s]+$/.test(url)) {
        throw new Error(`KEYFLOW_EXCHANGE_URLS: "${id}" must map to a base URL without a path, such as http://127.0.0.1:1234.`);
      }
      urls[id] = url;
    }
  }
  let limit = DEFAULT_LIMIT;
  const limitText = env.KEYFLOW_RATE_LIMIT?.trim();
  if (limitText) {
    const m = /^(\d+)\s*\/\s*(\d+)$/.exec(limitText);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`KEYFLOW_RATE_LIMIT must look like "10/1000" (requests per milliseconds), not "${limitText}".`);
    limit = { maxRequests: Number(m[1]), windowMs: Number(m[2]) };
  }
  return {
    urls,
    timeoutMs: positiveInt("KEYFLOW_EXCHANGE_TIMEOUT_MS", env.KEYFLOW_EXCHANGE_TIMEOUT_MS),
    limit,
    ccxtRateLimitMs: positiveInt("KEYFLOW_CCXT_RATE_LIMIT_MS", env.KEYFLOW_CCXT_RATE_LIMIT_MS),
  };
}
