// One flow over several markets of its exchange and timeframe as one portfolio on shared cash
// (core's portfolioBacktest): the markets' candles are read, the portfolio computed here in one go
// (it is as fast as one backtest per market) and stored as one row with each market's trades.
import { randomUUID } from "node:crypto";
import { ENGINE_VERSION, portfolioBacktest, portfolioSymbols, TIMEFRAME_MS, type FlowGraph, type Settings } from "@keyflow/core";
import type { PortfolioMarketRow, PortfolioRun } from "@keyflow/db";
import { UserError } from "../errors";
import type { Services } from "../trpc";
import { candleFingerprint } from "../results/fingerprint";
import { CHART_POINTS } from "./chart";
import { downsampleMinMax } from "./downsample";
import { compileOrThrow, flowToRun, loadMarketCandles } from "./runInputs";

export interface RunPortfolioInput {
  flow?: FlowGraph;
  strategyId?: string;
  version?: number;
  /** Overrides the flow's portfolio markets (in slot order). */
  symbols?: string[];
  maxOpenPositions?: number;
  budgetPerPosition?: number;
  /** Unix ms, both inclusive; default each market's first and last stored candle. */
  from?: number;
  to?: number;
  settings?: Partial<Settings>;
}

/** Most markets in one portfolio run. */
export const MAX_PORTFOLIO_MARKETS = 50;

/** Runs and stores the portfolio; user mistakes (no markets, no candles, a flow that does not compile) are UserErrors. */
export function runPortfolio(services: Services, input: RunPortfolioInput): PortfolioRun {
  const { db } = services;
  const { flow, strategyVersion } = flowToRun(db, input);
  const effective: FlowGraph = { ...flow, settings: { ...flow.settings, ...input.settings } };
  const compiled = compileOrThrow(effective);
  const symbols = input.symbols !== undefined ? [...new Set(input.symbols)] : portfolioSymbols(effective, db.candles.list());
  if (symbols.length < 2 && input.symbols === undefined && !effective.portfolio) {
    throw new UserError("BAD_REQUEST", "Pick the markets this strategy trades together (at least one besides its own), or give the strategy a portfolio.", { kind: "input", issues: [{ path: "symbols", message: "required" }] });
  }
  if (symbols.length > MAX_PORTFOLIO_MARKETS) throw new UserError("BAD_REQUEST", `A portfolio trades at most ${MAX_PORTFOLIO_MARKETS} markets; this one has ${symbols.length}. Name fewer markets.`, { kind: "input", issues: [{ path: "symbols", message: "too many" }] });
  const { exchange, timeframe } = effective.market;
  const started = performance.now();
  const loaded = symbols.map((symbol) => {
    const market = { exchange, symbol, timeframe };
    const { candles, from, to } = loadMarketCandles(db, market, input);
    return { symbol, candles, from, to, dataHash: candleFingerprint(market, { from, to }, candles).contentHash };
  });
  const rules = {
    maxOpenPositions: input.maxOpenPositions ?? effective.portfolio?.maxOpenPositions ?? symbols.length,
    budgetPerPosition: input.budgetPerPosition ?? effective.portfolio?.budgetPerPosition,
  };
  const result = portfolioBacktest(compiled.spec, loaded, effective.settings, rules, { timeframeMs: TIMEFRAME_MS[timeframe], hash: compiled.hash });
  const markets: PortfolioMarketRow[] = result.markets.map((m, k) => ({ ...m, first: loaded[k]!.from, last: loaded[k]!.to, dataHash: loaded[k]!.dataHash }));
  return db.portfolios.create({
    id: randomUUID(),
    strategyId: input.strategyId ?? null,
    strategyVersion,
    flow: effective,
    specHash: compiled.hash,
    exchange,
    timeframe,
    fromTime: Math.min(...loaded.map((l) => l.from)),
    toTime: Math.max(...loaded.map((l) => l.to)),
    settings: effective.settings,
    rules: { maxOpenPositions: result.maxOpenPositions, budgetPerPosition: result.budgetPerPosition },
    bars: result.bars,
    metrics: result.metrics,
    markets,
    equity: downsampleMinMax(result.equity.time, result.equity.value, CHART_POINTS),
    engineVersion: ENGINE_VERSION,
    durationMs: Math.round(performance.now() - started),
  });
}
