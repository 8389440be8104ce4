// The trading side every venue fake shares: one matching engine (test/fake-exchange/engine.ts) behind
// the venue's own instrument ids, request parsing and number formatting. Dialects only translate.
import { BinanceReject, round8, type MatchingEngine } from "../engine";
import type { FakeOrder, FakeSymbol, FakeTrade } from "../types";
import type { VenueRequest } from "./types";

export class VenueBook {
  /** Fractions of an order's quantity filled on successive matching candles, by client order id. */
  readonly fillScripts = new Map<string, number[]>();
  /** Websocket tokens the venue handed out (KuCoin's bullet): token → the API key it was issued to, null for a public one. */
  readonly wsTokens = new Map<string, string | null>();
  /** When an armed dead-man switch (OKX's cancel-all-after) would cancel every working order; null: disarmed. */
  deadManArmedUntil: number | null = null;

  constructor(
    readonly engine: MatchingEngine,
    /** The one candle interval served, ccxt's name ("1m"). */
    readonly interval: string,
    readonly intervalMs: number,
    /** The venue's instrument id of a symbol ("BTC-USDT" on OKX, "BTCUSDT" on Bybit). */
    readonly instId: (s: FakeSymbol) => string,
  ) {}

  get symbols(): FakeSymbol[] {
    return [...this.engine.symbols.values()];
  }

  /** The symbol behind a venue instrument id; undefined when the venue lists no such instrument. */
  symbolOf(instId: string | undefined): FakeSymbol | undefined {
    return this.symbols.find((s) => this.instId(s) === instId);
  }

  instIdOfOrder(o: FakeOrder | FakeTrade): string {
    return this.instId(this.engine.market(o.symbol));
  }

  /** Places through the engine; rejections stay BinanceReject for the dialect to translate. */
  place(s: FakeSymbol, side: "buy" | "sell", type: "market" | "limit", quantity: string | undefined, price: string | undefined, clientOrderId: string | undefined): FakeOrder {
    return this.engine.placeOrder(
      { symbol: s.symbol, side: side === "buy" ? "BUY" : "SELL", type: type === "market" ? "MARKET" : "LIMIT", quantity, price, timeInForce: type === "limit" ? "GTC" : undefined, newClientOrderId: clientOrderId },
      this.fillScripts,
    );
  }

  /** The most recent order of a symbol by exchange id or client id; BinanceReject -2013 when none. */
  find(s: FakeSymbol, orderId: string | undefined, clientOrderId: string | undefined): FakeOrder {
    return this.engine.findOrder(s.symbol, orderId || undefined, clientOrderId || undefined);
  }

  cancel(s: FakeSymbol, orderId: string | undefined, clientOrderId: string | undefined): FakeOrder {
    return this.engine.cancelOrder(s.symbol, orderId || undefined, clientOrderId || undefined).order;
  }

  /** The symbol's last closed price, for a market order sized in the quote currency. */
  lastPrice(s: FakeSymbol): number {
    return this.engine.lastPrice(s.symbol);
  }
}

/** Query parameters of a request. */
export const queryOf = (req: VenueRequest): URLSearchParams => new URLSearchParams(req.rawQuery);

/** The JSON body of a request, or a BinanceReject the dialect turns into its parameter error. */
export function jsonOf(req: VenueRequest): unknown {
  try {
    return req.body === "" ? {} : (JSON.parse(req.body) as unknown);
  } catch {
    throw new BinanceReject(-1100, "The request body is not JSON.");
  }
}

/** A decimal string the way venues write quantities and prices: no exponent, no trailing zeros. */
export const dec = (x: number): string => {
  const s = round8(x).toFixed(8);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
};

/** Volume-weighted average fill price of an order, 0 before any fill. */
export const averagePrice = (o: FakeOrder): number => (o.executedQty > 0 ? o.cummulativeQuoteQty / o.executedQty : 0);

/** Total commission of an order's fills, and its asset (the engine's: by default buy fees in the base, sell fees in the quote). */
export function commissionOf(o: FakeOrder, s: FakeSymbol): { fee: number; asset: string } {
  return { fee: round8(o.trades.reduce((sum, t) => sum + t.commission, 0)), asset: o.trades[0]?.commissionAsset ?? (o.side === "BUY" ? s.baseAsset : s.quoteAsset) };
}
