// Points a ccxt `binance` instance at the fake exchange. Only the spot and sapi entries of `urls.api`
// are served; the futures entries point at a closed port so an accidental futures call fails loudly.
import type { Exchange } from "ccxt";

/** The `urls.api` entries ccxt's binance spot code paths read, rewritten to the fake's base URL. */
export function binanceUrls(baseUrl: string): Record<string, string> {
  return {
    public: `${baseUrl}/api/v3`,
    private: `${baseUrl}/api/v3`,
    v1: `${baseUrl}/api/v1`,
    sapi: `${baseUrl}/sapi/v1`,
    sapiV2: `${baseUrl}/sapi/v2`,
    sapiV3: `${baseUrl}/sapi/v3`,
    sapiV4: `${baseUrl}/sapi/v4`,
  };
}

/**
 * Rewrites an existing instance in place. Spot-only market loading keeps loadMarkets from calling the
 * futures exchangeInfo endpoints (ccxt's binance default is ['spot', 'linear', 'inverse']) and the
 * margin pair lists (fetchMargins).
 */
export function pointCcxtAt<T extends Exchange>(exchange: T, baseUrl: string): T {
  const api = (exchange.urls as { api: Record<string, string> }).api;
  Object.assign(api, binanceUrls(baseUrl));
  exchange.options["fetchMarkets"] = { types: ["spot"] };
  exchange.options["fetchMargins"] = false;
  return exchange;
}
