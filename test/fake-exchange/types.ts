// Shapes shared by the fake exchange's engine, server and tests.

/** [openTime ms, open, high, low, close, volume] — the same tuple ccxt's fetchOHLCV returns. */
export type Candle = [number, number, number, number, number, number];

export interface FakeSymbol {
  /** Binance id, e.g. "BTCUSDT". */
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  tickSize: number;
  minPrice: number;
  maxPrice: number;
  stepSize: number;
  minQty: number;
  maxQty: number;
  minNotional: number;
}

export interface KeyPermissions {
  enableReading: boolean;
  enableSpotAndMarginTrading: boolean;
  enableWithdrawals: boolean;
  ipRestrict: boolean;
}

export interface FakeKey extends KeyPermissions {
  apiKey: string;
  secret: string;
}

export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "EXPIRED";

export interface FakeTrade {
  symbol: string;
  id: number;
  orderId: number;
  price: number;
  qty: number;
  quoteQty: number;
  commission: number;
  commissionAsset: string;
  /** Server wall-clock time of the fill (the fill PRICE comes from the candle; see engine.match). */
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
}

export interface FakeOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  side: "BUY" | "SELL";
  /** STOP_LOSS / TAKE_PROFIT: a market order that waits until a candle reaches `stopPrice`. */
  type: "MARKET" | "LIMIT" | "STOP_LOSS" | "TAKE_PROFIT";
  timeInForce: "GTC" | undefined;
  price: number;
  /** Trigger price of STOP_LOSS / TAKE_PROFIT orders (0 for others). */
  stopPrice: number;
  /** The order list (OCO) it belongs to, or -1. */
  orderListId: number;
  origQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  status: OrderStatus;
  /** Server wall-clock time of acceptance / last change. */
  time: number;
  updateTime: number;
  /** Asset and amount reserved by this order while it is open. */
  lockedAsset: string;
  locked: number;
  /** Fractions of origQty to fill on each successive matching candle (partial-fill script). */
  fillScript: number[];
  trades: FakeTrade[];
}

/** A fault injected for the next request(s) that match. */
export type Fault =
  | { kind: "status"; status: number; body?: string }
  /** The server reads the request and never answers. */
  | { kind: "timeout" }
  | { kind: "rateLimit"; status: 429 | 418; retryAfterSec: number }
  /** A -1021 "outside of the recvWindow" rejection regardless of the real timestamp. */
  | { kind: "timestamp" }
  /** An exchange rejection with a Binance error code (order is not processed). */
  | { kind: "reject"; code: number; msg: string; status?: number }
  /** The request is processed (an order is accepted), then the socket is destroyed before any answer. */
  | { kind: "dropAfterAccept" };

export interface FaultMatch {
  method?: string;
  /** Exact path such as "/api/v3/order". */
  path?: string;
  /** How many matching requests this fault applies to (default 1). */
  times?: number;
}

export interface RequestRecord {
  /** performance.now() at arrival, ms. */
  at: number;
  method: string;
  path: string;
  apiKey: string | undefined;
  /** HTTP status answered, or "timeout" / "dropped". */
  outcome: number | "timeout" | "dropped";
}
