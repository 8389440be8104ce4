import { randomUUID } from "node:crypto";
import { TIMEFRAME_MS, type CompileIssue, type FlowGraph, type Market, type Settings } from "@keyflow/core";
import { notFound, UserError } from "../errors";
import type { Services } from "../trpc";
import { DEFAULT_KEEP_RUNS } from "../config";
import { compileOrThrow, loadMarketCandles } from "./runInputs";

export interface StartRunInput {
  flow?: FlowGraph;
  strategyId?: string;
  version?: number;
  /** Overrides the flow's market. */
  market?: Market;
  /** Unix ms, inclusive; default: the first stored candle. */
  from?: number;
  /** Unix ms, exclusive; default: after the last stored candle. */
  to?: number;
  /** Overrides parts of the flow's settings. */
  settings?: Partial<Settings>;
}

export interface StartedRun {
  runId: string;
  specHash: string;
  bars: number;
  market: Market;
  from: number;
  to: number;
  warnings: CompileIssue[];
  /** Nothing changed since this finished run (flow logic, market, range, settings, candles): it is the answer, nothing was queued. */
  reused: boolean;
}


/** Compiles the flow, loads the candles and queues the backtest; user mistakes become UserErrors. */
export function startRun(services: Services, input: StartRunInput): StartedRun {
  const { db } = services;
  let flow = input.flow;
  let strategyVersion: number | null = null;
  if (input.strategyId !== undefined) {
    const s = db.strategies.get(input.strategyId, input.version);
    if (!s) throw notFound(input.version ? `Version ${input.version} of this strategy` : "This strategy");
    flow ??= s.flow;
    if (!input.flow) strategyVersion = input.version ?? s.latestVersion;
  }
  if (!flow) throw new UserError("BAD_REQUEST", "Nothing to backtest: send a flow or the id of a saved strategy.", { kind: "input", issues: [{ path: "flow", message: "required" }] });

  const effective: FlowGraph = { ...flow, market: input.market ?? flow.market, settings: { ...flow.settings, ...input.settings } };
  const compiled = compileOrThrow(effective);

  const market = effective.market;
  const tf = TIMEFRAME_MS[market.timeframe];
  const { candles, from, to, updatedAt } = loadMarketCandles(db, market, input);

  // A saved strategy's run is kept and listed; a flow sent without one (CLI, API) always runs.
  const same =
    input.strategyId === undefined
      ? undefined
      : db.backtests.findSame({ strategyId: input.strategyId, specHash: compiled.hash, market, fromTime: from, toTime: to, settings: effective.settings, since: updatedAt });
  if (same) return { runId: same.id, specHash: compiled.hash, bars: same.bars, market, from, to, warnings: compiled.warnings, reused: true };

  const runId = randomUUID();
  db.backtests.create({
    id: runId,
    strategyId: input.strategyId ?? null,
    strategyVersion,
    flow: effective,
    specHash: compiled.hash,
    market,
    fromTime: from,
    toTime: to,
    settings: effective.settings,
    bars: candles.length,
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
    candles,
  });
  return { runId, specHash: compiled.hash, bars: candles.length, market, from, to, warnings: compiled.warnings, reused: false };
}
