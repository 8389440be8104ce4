import { timeframeSchema, type Timeframe } from "@keyflow/core";
import { exchangeIds } from "@keyflow/exchange";
import ccxt from "ccxt";
import type { ExchangeFactory } from "./exchangeFactory";

export interface ExchangeEntry {
  id: string;
  /** ccxt's display name, e.g. "Binance", "OKX". */
  name: string;
}

export interface MarketEntry {
  symbol: string;
  base: string;
  quote: string;
}

let exchanges: ExchangeEntry[] | undefined;

/** Spot exchanges whose ccxt class can fetch historical candles, with their display names (made once). */
export function candleExchanges(): ExchangeEntry[] {
  exchanges ??= exchangeIds()
    .flatMap((id) => {
      const Cls = (ccxt as unknown as Record<string, new () => { name?: string; has: Record<string, unknown>; alias?: boolean }>)[id];
      if (!Cls) return [];
      const ex = new Cls();
      // Aliases (e.g. binanceus is its own, but "binancecoinm" is futures) and exchanges without OHLCV are left out.
      if (ex.alias || !ex.has["fetchOHLCV"] || ex.has["spot"] === false) return [];
      return [{ id, name: ex.name ?? id }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return exchanges;
}

/** ccxt's display name of an exchange id ("Demo" for the generated market). */
export function exchangeDisplayName(id: string): string {
  if (id === "demo") return "Demo";
  return candleExchanges().find((e) => e.id === id)?.name ?? id;
}

const markets = new Map<string, Promise<{ markets: MarketEntry[]; timeframes: Timeframe[] }>>();

/**
 * An exchange's spot markets and the candle timeframes it offers (those Keyflow knows), loaded once
 * per server run and cached; a failed load is forgotten so the next look tries again.
 */
export function exchangeMarkets(factory: ExchangeFactory, id: string): Promise<{ markets: MarketEntry[]; timeframes: Timeframe[] }> {
  let p = markets.get(id);
  if (!p) {
    p = (async () => {
      const ex = factory(id);
      const all = await ex.loadMarkets();
      const list = Object.values(all)
        .filter((m): m is NonNullable<typeof m> => Boolean(m && m.spot !== false && m.active !== false && m.symbol && m.base && m.quote))
        .map((m) => ({ symbol: m.symbol, base: m.base, quote: m.quote }))
        .sort((a, b) => a.symbol.localeCompare(b.symbol));
      const offered = Object.keys(ex.timeframes ?? {});
      const timeframes = timeframeSchema.options.filter((t) => offered.length === 0 || offered.includes(t));
      return { markets: list, timeframes };
    })();
    markets.set(id, p);
    p.catch(() => markets.delete(id));
  }
  return p;
}
