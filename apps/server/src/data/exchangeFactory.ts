import { exchangeIds } from "@keyflow/exchange";
import type { Exchange } from "ccxt";
import { UserError } from "../errors";
import { connectExchange } from "../keys/connect";
import { DEFAULT_EXCHANGE_SETTINGS, type ExchangeSettings } from "../keys/exchangeSettings";

/** Makes a ccxt exchange for public market data (candles, markets). */
export type ExchangeFactory = (id: string) => Exchange;

/**
 * Public instances (no credentials: they read candles, never sign) made like every other one:
 * through createExchange with the shared "public" limiter of the exchange, the configured timeout and
 * the KEYFLOW_EXCHANGE_URLS override (tests and `pnpm fake-exchange`). An unknown id is a UserError.
 */
export function publicExchanges(settings: ExchangeSettings = DEFAULT_EXCHANGE_SETTINGS): ExchangeFactory {
  return (id) => {
    if (!exchangeIds().includes(id)) {
      throw new UserError("BAD_REQUEST", `Unknown exchange "${id}". Use a ccxt exchange id in lower case, e.g. binance, kraken, coinbase.`, {
        kind: "input",
        issues: [{ path: "exchange", message: "unknown exchange" }],
      });
    }
    return connectExchange(settings, id);
  };
}
