// One flow over several markets of its exchange and timeframe as one portfolio on shared cash
// (core's portfolioBacktest), queued on the backtest workers like a single-market run: this thread
// compiles the flow and pins each market's candles (count, first and last, content hash); the worker
// reads the candles itself, posts progress, and the result is stored in portfolio_runs.
import { randomUUID } from "node:crypto";
import { ENGINE_VERSION, FILL_RULES, portfolioSymbols, positionBudget, TIMEFRAME_MS, type CompileIssue, type FlowGraph, type Settings } from "@keyflow/core";
import type { PortfolioMarketData } from "@keyflow/db";
import { DEFAULT_KEEP_RUNS } from "../config";
import { UserError } from "../errors";
import { candlesVersion } from "../jobs/workerProtocol";
import type { MarketCandles } from "../jobs/backtestJobs";
import type { Services } from "../trpc";
import { rangeFacts } from "./rangeFacts";
import { compileOrThrow, flowToRun, inclusiveRange, noCandlesInRange, storedSeries } from "./runInputs";

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

export interface StartedPortfolio {
  runId: string;
  specHash: string;
  /** Candles of all markets: what progress counts. */
  bars: number;
  /** What each market's candles are, in slot order. */
  data: PortfolioMarketData[];
  rules: { maxOpenPositions: number; budgetPerPosition: number };
  warnings: CompileIssue[];
}

/** Most markets in one portfolio run. */
export const MAX_PORTFOLIO_MARKETS = 50;

/** Queues the portfolio run (progress on `backtests.progress` with its id); user mistakes (no markets, no candles, a flow that does not compile) are UserErrors. */
export function runPortfolio(services: Services, input: RunPortfolioInput): StartedPortfolio {
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
  const markets: MarketCandles[] = [];
  const data: PortfolioMarketData[] = symbols.map((symbol) => {
    const market = { exchange, symbol, timeframe };
    const series = storedSeries(db, market);
    const { from, to } = inclusiveRange(series, input);
    const facts = rangeFacts(db, market, series, from, to);
    if (!facts) throw noCandlesInRange(market, series, from, to);
    // The worker reads [first, last + 1): exactly the candles pinned here.
    markets.push({ symbol, seriesId: series.id, candlesVersion: candlesVersion(series), range: { from: facts.first, to: facts.last + 1 } });
    return { symbol, first: facts.first, last: facts.last, count: facts.bars, dataHash: facts.data.contentHash };
  });
  const maxOpenPositions = input.maxOpenPositions ?? effective.portfolio?.maxOpenPositions ?? symbols.length;
  const rules = { maxOpenPositions, budgetPerPosition: input.budgetPerPosition ?? effective.portfolio?.budgetPerPosition ?? positionBudget(effective.settings.initialCash, { maxOpenPositions }) };
  const bars = data.reduce((n, d) => n + d.count, 0);
  const runId = randomUUID();
  db.portfolios.create({
    id: runId,
    strategyId: input.strategyId ?? null,
    strategyVersion,
    flow: effective,
    specHash: compiled.hash,
    exchange,
    timeframe,
    fromTime: Math.min(...data.map((d) => d.first)),
    toTime: Math.max(...data.map((d) => d.last)),
    settings: effective.settings,
    rules,
    bars,
    data,
    engineVersion: ENGINE_VERSION,
    fillRules: FILL_RULES,
  });
  // Retention, as for single runs: the newest portfolio runs of this strategy (and every pinned one) stay.
  db.portfolios.prune(input.strategyId ?? null, services.config.keepRuns ?? DEFAULT_KEEP_RUNS);
  services.backtests.startPortfolio({ runId, spec: compiled.spec, hash: compiled.hash, settings: effective.settings, timeframeMs: TIMEFRAME_MS[timeframe], bars, rules, markets, data });
  return { runId, specHash: compiled.hash, bars, data, rules, warnings: compiled.warnings };
}
