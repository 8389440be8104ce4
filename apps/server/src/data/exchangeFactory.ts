import type { Exchange } from "ccxt";
import { UserError } from "../errors";

/** Makes a ccxt exchange for public market data. Tests pass their own to point it at a local fake. */
export type ExchangeFactory = (id: string) => Promise<Exchange>;

type CcxtModule = typeof import("ccxt");
let ccxtModule: Promise<CcxtModule> | undefined;

/** ccxt is big; load it only when something needs an exchange. */
export function loadCcxt(): Promise<CcxtModule> {
  ccxtModule ??= import("ccxt");
  return ccxtModule;
}

/** Exchange ids ccxt knows. */
export async function exchangeIds(): Promise<string[]> {
  return Object.keys((await loadCcxt()).exchanges).sort();
}

/**
 * A ccxt exchange with no credentials (it can read candles, never sign), built-in rate limiting,
 * and market loading limited to spot (the only markets Keyflow trades).
 */
export const createPublicExchange: ExchangeFactory = async (id) => {
  const ccxt = await loadCcxt();
  if (!Object.hasOwn(ccxt.exchanges, id)) {
    throw new UserError("BAD_REQUEST", `Unknown exchange "${id}". Use a ccxt exchange id in lower case, e.g. binance, kraken, coinbase.`, {
      kind: "input",
      issues: [{ path: "exchange", message: "unknown exchange" }],
    });
  }
  const Ctor = (ccxt as unknown as Record<string, new (config: object) => Exchange>)[id]!;
  const ex = new Ctor({ enableRateLimit: true });
  onlySpotMarkets(ex);
  return ex;
};

/** Point every REST base URL of an exchange at `baseUrl`, keeping the paths (for tests against a fake). */
export { redirectExchange } from "@keyflow/exchange";

function onlySpotMarkets(ex: Exchange): void {
  const fm = ex.options["fetchMarkets"] as unknown;
  if (Array.isArray(fm) && fm.includes("spot")) ex.options["fetchMarkets"] = ["spot"];
  else if (fm && typeof fm === "object" && Array.isArray((fm as { types?: unknown }).types)) ex.options["fetchMarkets"] = { ...(fm as object), types: ["spot"] };
}
