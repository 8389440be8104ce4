import { randomUUID } from "node:crypto";
import { ENGINE_VERSION, FILL_RULES, TIMEFRAME_MS, type CompileIssue, type FlowGraph, type GapReport, type Market, type Settings } from "@keyflow/core";
import type { Services } from "../trpc";
import { DEFAULT_KEEP_RUNS } from "../config";
import { candlesVersion } from "../jobs/workerProtocol";
import { rangeFacts } from "./rangeFacts";
import { compileOrThrow, flowToRun, inclusiveRange, noCandlesInRange, storedSeries } from "./runInputs";

export interface StartRunInput {
  flow?: FlowGraph;
  strategyId?: string;
  version?: number;
  /** Overrides the flow's market. */
  market?: Market;
  /** Unix ms, inclusive; default: the first stored candle. */
  from?: number;
  /** Unix ms, inclusive (a candle opening at `to` is used); default: the last stored candle. */
  to?: number;
  /** Overrides parts of the flow's settings. */
  settings?: Partial<Settings>;
  /** Makes an earlier run again on the same inputs (never answered by reusing a finished run). */
  rerunOf?: string;
}

export interface StartedRun {
  runId: string;
  specHash: string;
  bars: number;
  market: Market;
  /** Open time of the first candle used. */
  from: number;
  /** Open time of the last candle used (inclusive). */
  to: number;
  warnings: CompileIssue[];
  /** SHA-256 of the candles the run reads. */
  dataHash: string;
  /** Holes in the candles of the range (the first few), so the page can warn before the result. */
  gaps: GapReport;
  /** Nothing changed since this finished run (flow logic, market, range, settings, candles): it is the answer, nothing was queued. */
  reused: boolean;
}


/** Compiles the flow, loads the candles and queues the backtest; user mistakes become UserErrors. */
export function startRun(services: Services, input: StartRunInput): StartedRun {
  const { db } = services;
  const { flow, strategyVersion } = flowToRun(db, input);

  const effective: FlowGraph = { ...flow, market: input.market ?? flow.market, settings: { ...flow.settings, ...input.settings } };
  const compiled = compileOrThrow(effective);

  const market = effective.market;
  const tf = TIMEFRAME_MS[market.timeframe];
  const series = storedSeries(db, market);
  const { from, to } = inclusiveRange(series, input);
  const facts = rangeFacts(db, market, series, from, to);
  if (!facts) throw noCandlesInRange(market, series, from, to);
  // The run records the candles it really used, whatever range was asked for.
  const { first, last, gaps, data, bars } = facts;

  // A saved strategy's run is kept and listed; a flow sent without one (CLI, API) always runs.
  const same =
    input.strategyId === undefined || input.rerunOf !== undefined
      ? undefined
      : db.backtests.findSame({ strategyId: input.strategyId, specHash: compiled.hash, market, fromTime: first, toTime: last, settings: effective.settings, since: series.updatedAt, dataHash: data.contentHash, engineVersion: ENGINE_VERSION });
  if (same) return { runId: same.id, specHash: compiled.hash, dataHash: data.contentHash, bars: same.bars, market, from: first, to: last, warnings: compiled.warnings, gaps, reused: true };

  const runId = randomUUID();
  db.backtests.create({
    id: runId,
    strategyId: input.strategyId ?? null,
    strategyVersion,
    flow: effective,
    specHash: compiled.hash,
    market,
    fromTime: first,
    toTime: last,
    settings: effective.settings,
    bars,
    dataHash: data.contentHash,
    dataFirstTime: data.firstTime,
    dataLastTime: data.lastTime,
    engineVersion: ENGINE_VERSION,
    fillRules: FILL_RULES,
    rerunOf: input.rerunOf ?? null,
  });
  // Retention: the newest runs of this strategy (and every pinned one) stay; older ones go.
  db.backtests.prune(input.strategyId ?? null, services.config.keepRuns ?? DEFAULT_KEEP_RUNS);
  services.backtests.start({
    runId,
    spec: compiled.spec,
    hash: compiled.hash,
    nodeIds: compiled.nodeIds,
    settings: effective.settings,
    timeframeMs: tf,
    bars,
    seriesId: series.id,
    candlesVersion: candlesVersion(series),
    // The worker reads [from, to): up to and including the last candle used.
    range: { from: first, to: last + 1 },
  });
  return { runId, specHash: compiled.hash, dataHash: data.contentHash, bars, market, from: first, to: last, warnings: compiled.warnings, gaps, reused: false };
}
