// The only place ccxt instances are made, so every instance gets the same safety settings.
import ccxt, { type Exchange } from "ccxt";
import { attachLimiter, type RateLimiter } from "./limiter";

export interface Credentials {
  apiKey: string;
  secret: string;
  /** Some exchanges call it passphrase (OKX, KuCoin, Bitget); ccxt calls it password. */
  password?: string;
  uid?: string;
}

export interface CreateExchangeOptions {
  /** A ccxt exchange id, e.g. "binance". */
  exchangeId: string;
  credentials?: Credentials;
  /** Entries merged into `urls.api` — how tests point an instance at the fake exchange. */
  urlsOverride?: Record<string, string>;
  /** The shared limiter of (exchange, key); every HTTP request of this instance waits on it. */
  limiter?: RateLimiter;
  /** Per-request timeout in ms (ccxt default 10 000). */
  timeoutMs?: number;
  /**
   * ccxt's own request spacing in ms per cost unit (`exchange.rateLimit`, 50 for binance). It runs
   * after the shared limiter and models per-endpoint weights; tests lower it to stay fast.
   */
  ccxtRateLimitMs?: number;
  /** Extra ccxt options, merged last. */
  options?: Record<string, unknown>;
  /**
   * Trade on the exchange's testnet / demo environment (ccxt `setSandboxMode`): every request goes to
   * `urls.test` (Binance spot testnet, Bybit testnet) or carries the demo header (OKX demo trading).
   * Only for exchanges where hasTestnet() is true.
   */
  testnet?: boolean;
  /** ccxt's websocket class (ccxt.pro) instead of the REST one: the same REST methods plus watch*. */
  stream?: boolean;
}

type ExchangeClass = new (config?: Record<string, unknown>) => Exchange;

function exchangeClass(exchangeId: string): ExchangeClass {
  if (!ccxt.exchanges.includes(exchangeId)) {
    throw new Error(`Unknown exchange "${exchangeId}": use one of ccxt's exchange ids, such as binance, kraken or okx.`);
  }
  return (ccxt as unknown as Record<string, ExchangeClass>)[exchangeId]!;
}

/** Per-exchange defaults: Keyflow trades spot, so market loading skips futures and margin lists. */
const EXCHANGE_DEFAULTS: Record<string, Record<string, unknown>> = {
  binance: {
    defaultType: "spot",
    fetchMarkets: { types: ["spot"] },
    fetchMargins: false,
    // Spot trading needs markets only. fetchCurrencies is a SIGNED call (capital/config/getall) that
    // loadMarkets makes before fetchMarkets — i.e. before adjustForTimeDifference has synced the clock.
    fetchCurrencies: false,
    // Measure the server clock offset when markets load, so signed timestamps start in sync.
    adjustForTimeDifference: true,
  },
  // Advanced Trade's accounts (available and on hold), not the Coinbase app's v2 accounts (a total only):
  // a bot needs what its open orders hold.
  coinbase: { fetchBalance: "v3PrivateGetBrokerageAccounts" },
};

/** Whether ccxt has a websocket class for the exchange. */
export function hasStreamClass(exchangeId: string): boolean {
  return Boolean((ccxt.pro as unknown as Record<string, unknown> | undefined)?.[exchangeId]);
}

export function createExchange(opts: CreateExchangeOptions): Exchange {
  const Cls = opts.stream ? ((ccxt.pro as unknown as Record<string, ExchangeClass>)[opts.exchangeId] ?? exchangeClass(opts.exchangeId)) : exchangeClass(opts.exchangeId);
  const config: Record<string, unknown> = {
    enableRateLimit: true,
    options: { ...(EXCHANGE_DEFAULTS[opts.exchangeId] ?? {}), ...(opts.options ?? {}) },
  };
  if (opts.timeoutMs !== undefined) config["timeout"] = opts.timeoutMs;
  if (opts.ccxtRateLimitMs !== undefined) config["rateLimit"] = opts.ccxtRateLimitMs;
  if (opts.credentials) {
    config["apiKey"] = opts.credentials.apiKey;
    config["secret"] = opts.credentials.secret;
    if (opts.credentials.password !== undefined) config["password"] = opts.credentials.password;
    if (opts.credentials.uid !== undefined) config["uid"] = opts.credentials.uid;
  }
  const exchange = new Cls(config);
  if (!EXCHANGE_DEFAULTS[opts.exchangeId] && !opts.options?.["fetchMarkets"]) onlySpotMarkets(exchange);
  if (opts.testnet) {
    if (!exchange.urls["test"]) throw new Error(`${exchange.name ?? opts.exchangeId} has no testnet Keyflow can use: add a key of the real exchange instead.`);
    exchange.setSandboxMode(true);
  }
  if (opts.urlsOverride) {
    const urls = exchange.urls as { api: Record<string, string> | string };
    urls.api = { ...(typeof urls.api === "object" ? urls.api : {}), ...opts.urlsOverride };
  }
  if (opts.limiter) attachLimiter(exchange, opts.limiter);
  return exchange;
}

/** Market loading limited to spot where ccxt lets us choose (the only markets Keyflow trades). */
function onlySpotMarkets(ex: Exchange): void {
  const fm = ex.options["fetchMarkets"] as unknown;
  if (Array.isArray(fm) && fm.includes("spot")) ex.options["fetchMarkets"] = ["spot"];
  else if (fm && typeof fm === "object" && Array.isArray((fm as { types?: unknown }).types)) ex.options["fetchMarkets"] = { ...(fm as object), types: ["spot"] };
}

/**
 * Point every REST base URL of an exchange at `baseUrl`, keeping the paths (tests and development
 * against a fake). Websocket URLs go to the same server with the exchange's host as the first path
 * segment (`wss://stream.binance.com:9443/ws` → `ws://127.0.0.1:port/stream.binance.com:9443/ws`), so a
 * fake can tell them apart and ccxt still recognises them.
 */
export function redirectExchange<T extends Exchange>(ex: T, baseUrl: string): T {
  const wsBase = baseUrl.replace(/^http/, "ws");
  const rewrite = (v: unknown): unknown => {
    if (typeof v === "string" && /^wss?:\/\//.test(v)) return v.replace(/^wss?:\/\/([^/]+)/, (_m, host: string) => `${wsBase}/${host}`);
    if (typeof v === "string") return v.replace(/^https?:\/\/[^/]+/, baseUrl);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]));
    return v;
  };
  ex.urls["api"] = rewrite(ex.urls["api"]) as Exchange["urls"]["api"];
  return ex;
}

export interface RequiredCredentials {
  apiKey: boolean;
  secret: boolean;
  /** The passphrase field. */
  password: boolean;
  uid: boolean;
}

const requiredCache = new Map<string, RequiredCredentials>();

/** Which credential fields the add-key form must ask for (from ccxt's `requiredCredentials`). */
export function requiredCredentials(exchangeId: string): RequiredCredentials {
  let r = requiredCache.get(exchangeId);
  if (!r) {
    const rc = new (exchangeClass(exchangeId))().requiredCredentials as Record<string, boolean | undefined>;
    r = { apiKey: rc["apiKey"] === true, secret: rc["secret"] === true, password: rc["password"] === true, uid: rc["uid"] === true };
    requiredCache.set(exchangeId, r);
  }
  return { ...r };
}

/** Exchanges with a testnet / demo environment ccxt can switch to (`urls.test`). */
export function hasTestnet(exchangeId: string): boolean {
  return Boolean(new (exchangeClass(exchangeId))().urls["test"]);
}

/** ccxt's display name of an exchange, e.g. "OKX" for "okx". */
export function exchangeName(exchangeId: string): string {
  return new (exchangeClass(exchangeId))().name ?? exchangeId;
}

/** Every exchange id ccxt supports. */
export const exchangeIds = (): string[] => [...ccxt.exchanges];
