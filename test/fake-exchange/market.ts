// The market every fake exchange trades: symbols, a scripted candle stream and one account's
// balances, matched by the shared engine. Binance's fake and the venue fakes build theirs here.
import { MatchingEngine } from "./engine";
import type { Candle, FakeSymbol } from "./types";

export const DEFAULT_SYMBOLS: FakeSymbol[] = [
  {
    symbol: "BTCUSDT",
    baseAsset: "BTC",
    quoteAsset: "USDT",
    tickSize: 0.01,
    minPrice: 0.01,
    maxPrice: 1_000_000,
    stepSize: 0.00001,
    minQty: 0.00001,
    maxQty: 9000,
    minNotional: 5,
  },
  {
    symbol: "ETHUSDT",
    baseAsset: "ETH",
    quoteAsset: "USDT",
    tickSize: 0.01,
    minPrice: 0.01,
    maxPrice: 1_000_000,
    stepSize: 0.0001,
    minQty: 0.0001,
    maxQty: 9000,
    minNotional: 5,
  },
];

export const INTERVAL_MS: Record<string, number> = { "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000 };

/** A deterministic wandering candle stream (no I/O, no randomness across runs). */
export function makeCandles(opts: { start?: number; intervalMs?: number; count?: number; startPrice?: number; seed?: number; volatility?: number } = {}): Candle[] {
  const { start = Date.UTC(2024, 0, 1), intervalMs = 60_000, count = 300, startPrice = 30_000, seed = 1, volatility = 0.01 } = opts;
  const out: Candle[] = [];
  let price = startPrice;
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const open = price;
    const close = Math.max(1, open * (1 + (rnd() - 0.5) * volatility));
    const high = Math.max(open, close) * (1 + rnd() * 0.3 * volatility);
    const low = Math.min(open, close) * (1 - rnd() * 0.3 * volatility);
    const r2 = (x: number) => Math.round(x * 100) / 100;
    out.push([start + i * intervalMs, r2(open), r2(high), r2(low), r2(close), Math.round(rnd() * 100 * 1e4) / 1e4]);
    price = r2(close);
  }
  return out;
}

export interface MarketOptions {
  symbols?: FakeSymbol[];
  /** Scripted candle stream per symbol (Binance id, e.g. "BTCUSDT"); all streams share one timeframe and advance together. */
  candles?: Record<string, Candle[]>;
  /** The only candle interval served (default "1m"). */
  interval?: string;
  /** Candles already closed at start (default 50). */
  closedAtStart?: number;
  balances?: Record<string, number>;
  feeRate?: number;
  /** Bid-ask spread in basis points paid by market orders (half on each side); default 0. */
  spreadBps?: number;
  /** Commissions in the quote asset (Coinbase) instead of the asset received. */
  feesInQuote?: boolean;
}

/** The engine with the defaults every fake shares: the default stream ends its closed history at the current bar. */
export function createMarket(opts: MarketOptions, now: () => number): { engine: MatchingEngine; interval: string; intervalMs: number } {
  const symbols = opts.symbols ?? DEFAULT_SYMBOLS;
  const interval = opts.interval ?? "1m";
  const intervalMs = INTERVAL_MS[interval];
  if (intervalMs === undefined) throw new Error(`fake exchange: unsupported interval ${interval}`);
  const closedAtStart = opts.closedAtStart ?? 50;
  const defaultStart = Math.floor(Date.now() / intervalMs) * intervalMs - closedAtStart * intervalMs;
  const candles: Record<string, Candle[]> =
    opts.candles ??
    Object.fromEntries(symbols.map((s, i) => [s.symbol, makeCandles({ start: defaultStart, intervalMs, seed: i + 1, startPrice: i === 0 ? 30_000 : 2_000 })]));
  const engine = new MatchingEngine({
    symbols,
    candles,
    balances: opts.balances ?? { USDT: 10_000, BTC: 0.5, ETH: 5 },
    feeRate: opts.feeRate ?? 0.001,
    feesInQuote: opts.feesInQuote ?? false,
    closedAtStart,
    now,
    spreadBps: opts.spreadBps ?? 0,
  });
  return { engine, interval, intervalMs };
}
