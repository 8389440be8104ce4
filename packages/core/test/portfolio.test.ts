import { describe, expect, it } from "vitest";
import { allocCandles, backtest, compile, flowGraphSchema, getTemplate, portfolioBacktest, portfolioSymbols, type Candles, type FlowGraph, type StrategySpec } from "../src";
import { hasSharedDataFile, loadSharedCsv } from "./sharedData";

function specOf(flow: FlowGraph): StrategySpec {
  const c = compile(flow);
  if (!c.ok) throw new Error(c.errors.map((e) => e.message).join("; "));
  return c.spec;
}

const HOUR = 3_600_000;

/** Flat bars (open = high = low = close) at the given prices, one an hour from 0. */
function bars(prices: number[]): Candles {
  const c = allocCandles(prices.length);
  prices.forEach((p, i) => {
    c.time[i] = i * HOUR;
    c.open[i] = c.high[i] = c.low[i] = c.close[i] = p;
    c.volume[i] = 1;
  });
  return c;
}

/**
 * Enters with `buy` while the close is above 100 and sells while it is below: the flow every test
 * here trades, with its entry block varied.
 */
function above100With(name: string, buy: { kind: "buy" | "limitBuy"; params: Record<string, number | string> }): StrategySpec {
  return specOf(
    flowGraphSchema.parse({
      format: "keyflow.flow",
      version: 2,
      name,
      market: { exchange: "demo", symbol: "A/USDT", timeframe: "1h" },
      settings: { initialCash: 3000, feeRate: 0, slippage: 0 },
      nodes: [
        { id: "close", kind: "price", params: { field: "close" } },
        { id: "gt", kind: "greaterThan", params: { value: 100 } },
        { id: "lt", kind: "lessThan", params: { value: 100 } },
        { id: "buy", ...buy },
        { id: "sell", kind: "sell", params: {} },
      ],
      edges: [
        { id: "e1", source: "close", sourceHandle: "value", target: "gt", targetHandle: "a" },
        { id: "e2", source: "close", sourceHandle: "value", target: "lt", targetHandle: "a" },
        { id: "e3", source: "gt", sourceHandle: "signal", target: "buy", targetHandle: "when" },
        { id: "e4", source: "lt", sourceHandle: "signal", target: "sell", targetHandle: "when" },
      ],
    }),
  );
}

/** Buys (all of its stake) at the next open while the close is above 100, sells while it is below. */
const above100 = above100With("above 100", { kind: "buy", params: { sizeMode: "percentEquity", size: 100 } });

describe("portfolio over several markets on shared cash", () => {
  const settings = { initialCash: 3000, feeRate: 0, slippage: 0 };
  const A = bars([90, 110, 120, 90, 90, 90]); // enters at 120 (bar 2), exits at 90 (bar 4)
  const B = bars([90, 110, 110, 110, 110, 110]); // enters at 110 (bar 2), holds
  const C = bars([90, 110, 110, 110, 110, 110]); // wants in from bar 1 on
  const abc = [{ symbol: "A", candles: A }, { symbol: "B", candles: B }, { symbol: "C", candles: C }];

  it("respects max open positions: the third market waits for a free slot, taken in the listed order (hand-checked)", () => {
    const r = portfolioBacktest(above100, abc, settings, { maxOpenPositions: 2, budgetPerPosition: 1000 });
    const [a, b, c] = r.markets;
    // A: 1000 / 120 bought at bar 2's open, sold at bar 4's open (90): −250.
    expect(a!.trades).toHaveLength(1);
    expect(a!.trades[0]!.entryTime).toBe(2 * HOUR);
    expect(a!.trades[0]!.exitTime).toBe(4 * HOUR);
    expect(a!.trades[0]!.pnl).toBeCloseTo(-250, 9);
    expect(b!.openPosition!.entryTime).toBe(2 * HOUR);
    expect(b!.openPosition!.qty).toBeCloseTo(1000 / 110, 12);
    // C signals at bars 1, 2 and 3 with both slots taken; A's exit fills at bar 4's open and frees
    // a slot before the decisions of bar 4, so C enters at bar 5's open.
    expect(c!.skippedEntries).toBe(3);
    expect(c!.openPosition!.entryTime).toBe(5 * HOUR);
    expect(c!.openPosition!.qty).toBeCloseTo(1000 / 110, 12);
    // Free 3000 − 1000 − 1000 + 750 − 1000 = 750; B and C are worth 1000 each at 110.
    expect(r.equity.value[5]).toBeCloseTo(2750, 9);
    expect(r.metrics.finalEquity).toBeCloseTo(2750, 9);
    expect(Array.from(r.equity.time)).toEqual([0, 1, 2, 3, 4, 5].map((k) => k * HOUR));
    // At most two markets ever held a position at once.
    expect(r.metrics.trades).toBe(1);
  });

  it("when several want in on one close, the earlier-listed market takes the slot", () => {
    const r = portfolioBacktest(above100, [{ symbol: "C", candles: C }, { symbol: "B", candles: B }, { symbol: "A", candles: A }], settings, { maxOpenPositions: 2, budgetPerPosition: 1000 });
    const bySymbol = Object.fromEntries(r.markets.map((m) => [m.symbol, m]));
    expect(bySymbol.C!.openPosition!.entryTime).toBe(2 * HOUR);
    expect(bySymbol.B!.openPosition!.entryTime).toBe(2 * HOUR);
    expect(bySymbol.A!.trades).toHaveLength(0);
    expect(bySymbol.A!.skippedEntries).toBe(2); // bars 1 and 2 (bar 3 is below 100)
  });

  it("gives a position what cash is left when less than its budget, and skips an entry when none is left", () => {
    const r = portfolioBacktest(above100, abc, settings, { maxOpenPositions: 3, budgetPerPosition: 1800 });
    const [a, b, c] = r.markets;
    expect(a!.trades[0]!.qty).toBeCloseTo(1800 / 120, 12);
    expect(b!.openPosition!.qty).toBeCloseTo(1200 / 110, 12); // 3000 − 1800 left
    expect(c!.skippedEntries).toBe(3); // no cash on bars 1–3
    // A returns 1800 × 90 / 120 = 1350 at bar 4: C gets 1350 (less than its 1800 budget).
    expect(c!.openPosition!.qty).toBeCloseTo(1350 / 110, 12);
  });

  it("a sell signal that cancels a waiting limit entry frees its slot for the markets listed after it on the same close", () => {
    // 50 % below the close: never reached by these bars.
    const limitAbove100 = above100With("limit above 100", { kind: "limitBuy", params: { sizeMode: "percentEquity", size: 100, offsetPct: 50, validBars: 10 } });
    const r = portfolioBacktest(limitAbove100, [{ symbol: "A", candles: bars([110, 90, 90]) }, { symbol: "B", candles: bars([90, 110, 110]) }], settings, { maxOpenPositions: 1 });
    // A's limit entry waits from bar 0 and is cancelled by its sell signal at bar 1's close; B wants
    // in at that same close and takes the slot then (not one bar later).
    expect(r.markets.map((m) => m.skippedEntries)).toEqual([0, 0]);
    expect(r.markets.every((m) => m.trades.length === 0)).toBe(true);
  });

  it("the default budget is the initial cash over max open positions", () => {
    const r = portfolioBacktest(above100, [{ symbol: "B", candles: B }], settings, { maxOpenPositions: 3 });
    expect(r.budgetPerPosition).toBe(1000);
    expect(r.markets[0]!.openPosition!.qty).toBeCloseTo(1000 / 110, 12);
  });

  it.runIf(hasSharedDataFile("binance-BTCUSDT-1h.csv") && hasSharedDataFile("binance-ETHUSDT-1h.csv"))(
    "BTC and ETH that never compete for cash: each market's trades are its single-market backtest's, the equity their sum",
    () => {
      const btc = loadSharedCsv("binance-BTCUSDT-1h.csv");
      const eth = loadSharedCsv("binance-ETHUSDT-1h.csv");
      const flow = getTemplate("sma-cross")!.flow;
      // A fixed 2,000 USDT a trade: a single-market run on 10,000 never lacks cash for it, and the
      // portfolio gives each position the 10,000 it would have alone.
      const spec = specOf({ ...flow, nodes: flow.nodes.map((n) => (n.kind === "buy" ? { ...n, params: { sizeMode: "quote", size: 2000 } } : n)) });
      const one = { initialCash: 10_000, feeRate: 0.001, slippage: 0.0005 };
      const alone = [btc, eth].map((c) => backtest(spec, c, one));
      const both = [{ symbol: "BTC/USDT", candles: btc }, { symbol: "ETH/USDT", candles: eth }];
      const r = portfolioBacktest(spec, both, { ...one, initialCash: 20_000 }, { maxOpenPositions: 2, budgetPerPosition: 10_000 }, { timeframeMs: HOUR });
      expect(alone[0]!.trades.length).toBeGreaterThan(100);
      expect(r.markets[0]!.trades).toEqual(alone[0]!.trades);
      expect(r.markets[1]!.trades).toEqual(alone[1]!.trades);
      expect(r.markets.map((m) => m.skippedEntries)).toEqual([0, 0]);
      expect(r.metrics.trades).toBe(alone[0]!.trades.length + alone[1]!.trades.length);
      // ETH has one more candle than BTC at the end; on every shared bar the equity is the sum.
      expect(btc.time.every((t, k) => t === eth.time[k])).toBe(true);
      for (let k = 0; k < btc.length; k += 997) expect(r.equity.value[k]).toBeCloseTo(alone[0]!.equity[k]! + alone[1]!.equity[k]!, 6);
      expect(r.metrics.finalEquity).toBeCloseTo(alone[0]!.equity[btc.length - 1]! + alone[1]!.metrics.finalEquity, 6);
      // With one slot the two compete, and the portfolio never holds both.
      const tight = portfolioBacktest(spec, both, { ...one, initialCash: 20_000 }, { maxOpenPositions: 1 });
      const spans = tight.markets.flatMap((m) => m.trades.map((t) => [t.entryTime, t.exitTime] as const)).sort((x, y) => x[0] - y[0]);
      for (let k = 1; k < spans.length; k++) expect(spans[k]![0]).toBeGreaterThanOrEqual(spans[k - 1]![1]);
      expect(tight.markets[1]!.skippedEntries).toBeGreaterThan(0);
    },
  );
});

describe("portfolioSymbols", () => {
  const market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" as const };
  const stored = [
    { exchange: "binance", symbol: "SOL/USDT", timeframe: "1h" as const },
    { exchange: "binance", symbol: "ETH/USDT", timeframe: "1h" as const },
    { exchange: "binance", symbol: "ETH/BTC", timeframe: "1h" as const },
    { exchange: "binance", symbol: "ADA/USDT", timeframe: "4h" as const },
    { exchange: "kraken", symbol: "XRP/USDT", timeframe: "1h" as const },
  ];
  it("lists the named markets first, then the stored series of the exchange, timeframe and quote by symbol", () => {
    expect(portfolioSymbols({ market, portfolio: { symbols: ["SOL/USDT", "BTC/USDT"], allStoredQuote: "usdt", maxOpenPositions: 2 } }, stored)).toEqual(["SOL/USDT", "BTC/USDT", "ETH/USDT"]);
    expect(portfolioSymbols({ market }, stored)).toEqual(["BTC/USDT"]);
  });
});
