import { randomUUID } from "node:crypto";
import {
  applyCombo,
  backtest,
  halvingRungs,
  namedCombo,
  pickSweepMetrics,
  sweepCombos,
  sweepSpace,
  TIMEFRAME_MS,
  walkForwardWindows,
  type FlowGraph,
  type Market,
  type MonteCarloSettings,
  type SweepSettings,
  type WalkForwardSettings,
} from "@keyflow/core";
import { notFound, UserError } from "../errors";
import type { Services } from "../trpc";
import { utcMinute } from "../utcMinute";
import { compileOrThrow, loadMarketCandles } from "../backtest/runInputs";

export interface StartResearchInput {
  strategyId?: string;
  version?: number;
  /** The flow as it stands in the editor (with its ranges); default: the saved version. */
  flow?: FlowGraph;
  market?: Market;
  from?: number;
  to?: number;
  settings: SweepSettings;
  /** With it, a walk-forward; without, a sweep. */
  walkForward?: WalkForwardSettings;
}

const input = (path: string, message: string) => new UserError("BAD_REQUEST", message, { kind: "input", issues: [{ path, message }] });

function resolveFlow(services: Services, q: { strategyId?: string; version?: number; flow?: FlowGraph }): { flow: FlowGraph; strategyVersion: number | null } {
  if (q.strategyId !== undefined) {
    const s = services.db.strategies.get(q.strategyId, q.version);
    if (!s) throw notFound(q.version ? `Version ${q.version} of this strategy` : "This strategy");
    return { flow: q.flow ?? s.flow, strategyVersion: q.flow ? null : (q.version ?? s.latestVersion) };
  }
  if (!q.flow) throw input("flow", "Nothing to sweep: send a flow or the id of a saved strategy.");
  return { flow: q.flow, strategyVersion: null };
}

/** Combinations (plus out-of-sample runs) a sweep or walk-forward runs; a string: the windows do not fit. */
export function researchTotal(combos: number, bars: number, settings: SweepSettings, walkForward: WalkForwardSettings | null): number | string {
  if (walkForward) {
    const w = walkForwardWindows(bars, walkForward);
    return w.ok ? w.windows.length * (combos + 1) : w.error;
  }
  return settings.method === "halving" ? halvingRungs(combos, bars).reduce((s, r) => s + r.count, 0) : combos;
}

/**
 * Checks a sweep or walk-forward, loads the candles before the strategy's hold-out (the hold-out is
 * not even read from the database) and queues it; returns its id at once.
 */
export function startResearch(services: Services, q: StartResearchInput): { id: string; total: number; bars: number; holdoutFrom: number | null } {
  const { db } = services;
  const resolved = resolveFlow(services, q);
  const flow: FlowGraph = { ...resolved.flow, market: q.market ?? resolved.flow.market };
  compileOrThrow(flow);
  const space = sweepSpace(flow);
  if (!space.ok) throw input("ranges", space.errors.join(" "));
  const combos = sweepCombos(space.params, q.settings);
  if (!combos.ok) throw input("ranges", combos.error);

  const holdout = q.strategyId === undefined ? undefined : db.research.holdout(q.strategyId);
  const holdoutFrom = holdout?.fromTime ?? null;
  if (holdoutFrom !== null && q.from !== undefined && q.from >= holdoutFrom) {
    throw input("from", `The range starts inside the locked hold-out (from ${utcMinute(holdoutFrom)} UTC); pick a start before it.`);
  }
  const { candles, from, to: end } = loadMarketCandles(db, flow.market, { from: q.from, to: q.to, ...(holdoutFrom === null ? {} : { before: holdoutFrom }) });

  const total = researchTotal(combos.combos.length, candles.length, q.settings, q.walkForward ?? null);
  if (typeof total === "string") throw input("walkForward", total);
  const id = randomUUID();
  db.research.create({
    id,
    strategyId: q.strategyId ?? null,
    strategyVersion: resolved.strategyVersion,
    kind: q.walkForward ? "walkforward" : "sweep",
    flow,
    market: flow.market,
    fromTime: from,
    toTime: end,
    bars: candles.length,
    params: space.params,
    settings: q.settings,
    walkForward: q.walkForward ?? null,
    holdoutFrom,
  });
  services.research.start({ id, flow, params: space.params, candles, settings: q.settings, walkForward: q.walkForward ?? null, total });
  return { id, total, bars: candles.length, holdoutFrom };
}

/** The flow with a sweep row's values written in, saved as the strategy's next version. */
export function applySweepRow(services: Services, researchId: string, row: number): { strategyId: string; version: number; params: Record<string, number> } {
  const run = services.db.research.get(researchId);
  if (!run) throw notFound("This sweep");
  const chosen = run.sweep?.rows[row];
  if (!chosen) throw input("row", "That combination is not in this sweep; pick a row of its table.");
  if (!run.strategyId) throw input("researchId", "This sweep was not run on a saved strategy; save the flow first.");
  const latest = services.db.strategies.get(run.strategyId);
  if (!latest) throw notFound("This strategy");
  // The values go into the latest version (its layout and other edits kept), ranges included.
  const flow = applyCombo(latest.flow, run.params, chosen.combo);
  const compiled = compileOrThrow(flow);
  const saved = services.db.strategies.saveVersion(run.strategyId, flow, compiled.hash);
  if (!saved) throw notFound("This strategy");
  return { strategyId: run.strategyId, version: saved.strategy.latestVersion, params: namedCombo(run.params, chosen.combo) };
}

/**
 * Runs the strategy's chosen version once on its locked hold-out and records it; a hold-out is
 * unlocked only once. Returns the hold-out record.
 */
export function unlockHoldout(services: Services, strategyId: string, version?: number) {
  const { db } = services;
  const holdout = db.research.holdout(strategyId);
  if (!holdout) throw input("strategyId", "This strategy has no locked hold-out; reserve its most recent period first.");
  if (holdout.unlockedAt !== null) throw new UserError("CONFLICT", `The hold-out was already unlocked on ${utcMinute(holdout.unlockedAt)} UTC; it can be run only once.`, { kind: "conflict" });
  const s = db.strategies.get(strategyId, version);
  if (!s) throw notFound(version ? `Version ${version} of this strategy` : "This strategy");
  const compiled = compileOrThrow(s.flow);
  const { candles } = loadMarketCandles(db, s.flow.market, { from: holdout.fromTime });
  const result = backtest(compiled.spec, candles, s.flow.settings, { hash: compiled.hash, timeframeMs: TIMEFRAME_MS[s.flow.market.timeframe] });
  const params: Record<string, number> = {};
  for (const n of s.flow.nodes) for (const key of Object.keys(n.ranges ?? {})) params[`${n.id}.${key}`] = Number(n.params[key]);
  db.research.unlockHoldout(strategyId, { params, strategyVersion: version ?? s.latestVersion, bars: candles.length, metrics: pickSweepMetrics(result.metrics) });
  return db.research.holdout(strategyId)!;
}

/** Monte Carlo over a finished backtest's trades (on the queue's workers when sweeps go there). */
export function monteCarloOfRun(services: Services, runId: string, settings: MonteCarloSettings) {
  const run = services.db.backtests.get(runId);
  if (!run || run.status !== "done" || !run.trades) throw notFound("This finished backtest");
  if (run.trades.length < 2) throw input("runId", `This run made ${run.trades.length} trade(s); Monte Carlo needs at least 2.`);
  return services.research.monteCarlo(run.settings.initialCash, run.trades.map((t) => t.pnl), settings);
}

