import { backtest, compile, ENGINE_VERSION, FILL_RULES, portfolioBacktest, TIMEFRAME_MS, type Candles, type Market, type ResultBundle, type Template } from "@keyflow/core";
import { downsampleMinMax } from "../backtest/downsample";
import { assembleBundle } from "../results/bundle";
import bollingerBreakout from "./results/bollinger-breakout.result.json";
import emaCrossStops from "./results/ema-cross-stops.result.json";
import macdTrend from "./results/macd-trend.result.json";
import rsiReversion from "./results/rsi-reversion.result.json";
import smaCross from "./results/sma-cross.result.json";
import smaCrossRsiFilter from "./results/sma-cross-rsi-filter.result.json";
import zscoreReversion from "./results/zscore-reversion.result.json";
import mtfTrendFilter from "./results/mtf-trend-filter.result.json";
import dcaSafetyOrders from "./results/dca-safety-orders.result.json";
import twoStepTakeProfit from "./results/two-step-take-profit.result.json";
import btcEthPortfolio from "./results/btc-eth-portfolio.result.json";
import btcEthPortfolioPortfolio from "./results/btc-eth-portfolio.portfolio.json";

/**
 * Where the gallery's results come from: Binance spot BTC/USDT 1h, the whole of the shared candles
 * (../shared/data/binance-BTCUSDT-1h.csv, as anyone can download them from Binance). A test re-runs
 * every one of them on those candles, so a result shown here is verified by every build.
 */
export const BUILT_IN_RESULTS_MARKET: Market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" };
/** Open times of the first and last candle used, both included (like every run's range). */
export const BUILT_IN_RESULTS_RANGE = { from: Date.UTC(2021, 3, 4, 20), to: Date.UTC(2023, 11, 30, 18) };
const EQUITY_POINTS = 400;

/** The result files shipped with the templates, by template id (regenerate with `pnpm --filter @keyflow/server template-results`). */
export const BUILT_IN_RESULTS: Readonly<Record<string, ResultBundle>> = {
  "sma-cross": smaCross,
  "rsi-reversion": rsiReversion,
  "macd-trend": macdTrend,
  "bollinger-breakout": bollingerBreakout,
  "ema-cross-stops": emaCrossStops,
  "sma-cross-rsi-filter": smaCrossRsiFilter,
  "zscore-reversion": zscoreReversion,
  "mtf-trend-filter": mtfTrendFilter,
  "dca-safety-orders": dcaSafetyOrders,
  "two-step-take-profit": twoStepTakeProfit,
  "btc-eth-portfolio": btcEthPortfolio,
} as Record<string, ResultBundle>;

/**
 * A portfolio template's result over its markets (the shared Binance 1h candles of each, same range
 * as BUILT_IN_RESULTS_RANGE): the portfolio's figures and each market's, checked by a test every build.
 */
export type BuiltInPortfolio = ReturnType<typeof builtInPortfolio>;

/** The portfolio results shipped with the portfolio templates, by template id. */
export const BUILT_IN_PORTFOLIOS: Readonly<Record<string, BuiltInPortfolio>> = {
  "btc-eth-portfolio": btcEthPortfolioPortfolio as BuiltInPortfolio,
};

/** A portfolio template's result on the shared candles of its markets (`candles` by symbol). */
export function builtInPortfolio(t: Template, candles: (symbol: string) => Candles) {
  const flow = { ...t.flow, market: { ...BUILT_IN_RESULTS_MARKET, timeframe: t.flow.market.timeframe } };
  const compiled = compile(flow);
  if (!compiled.ok || !flow.portfolio) throw new Error(`template ${t.id} is not a portfolio that compiles`);
  const symbols = flow.portfolio.symbols;
  const r = portfolioBacktest(
    compiled.spec,
    symbols.map((symbol) => ({ symbol, candles: candles(symbol) })),
    flow.settings,
    flow.portfolio,
    { hash: compiled.hash, timeframeMs: TIMEFRAME_MS[flow.market.timeframe] },
  );
  const m = r.metrics;
  return {
    specHash: compiled.hash,
    engineVersion: ENGINE_VERSION,
    exchange: flow.market.exchange,
    timeframe: flow.market.timeframe,
    range: BUILT_IN_RESULTS_RANGE,
    rules: { maxOpenPositions: r.maxOpenPositions, budgetPerPosition: r.budgetPerPosition },
    metrics: { finalEquity: m.finalEquity, totalReturnPct: m.totalReturnPct, buyHoldReturnPct: m.buyHoldReturnPct, maxDrawdownPct: m.maxDrawdownPct, sharpe: m.sharpe, trades: m.trades, fees: m.fees },
    markets: r.markets.map((x) => ({ symbol: x.symbol, trades: x.trades.length, pnl: x.pnl, skippedEntries: x.skippedEntries, openPosition: x.openPosition !== null })),
  };
}

/** A template's result on the given candles of the built-in results' market, as a bundle (no per-candle checks: the files stay small). */
export function builtInResult(t: Template, candles: Candles, createdAt: number): ResultBundle {
  const flow = { ...t.flow, market: BUILT_IN_RESULTS_MARKET };
  const compiled = compile(flow);
  if (!compiled.ok) throw new Error(`template ${t.id} does not compile: ${compiled.errors[0]!.message}`);
  const r = backtest(compiled.spec, candles, flow.settings, { hash: compiled.hash, timeframeMs: TIMEFRAME_MS[flow.market.timeframe] });
  return assembleBundle({
    flow,
    specHash: compiled.hash,
    settings: flow.settings,
    fillRules: FILL_RULES,
    engineVersion: ENGINE_VERSION,
    market: BUILT_IN_RESULTS_MARKET,
    range: BUILT_IN_RESULTS_RANGE,
    candles,
    outcome: { metrics: r.metrics, trades: r.trades, openPosition: r.openPosition },
    equity: downsampleMinMax(candles.time, r.equity, EQUITY_POINTS),
    createdAt,
    includeCandles: false,
    checks: false,
  });
}

