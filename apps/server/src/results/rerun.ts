import { compareOutcomes, describeDivergence } from "@keyflow/core";
import { notFound } from "../errors";
import { startRun, type StartedRun } from "../backtest/startRun";
import type { Services } from "../trpc";
import { utcMinute } from "../utcMinute";

/** "Run again": the run's own strategy version, market, range and settings, on the candles stored now. */
export function rerun(services: Services, runId: string): StartedRun {
  const run = services.db.backtests.get(runId);
  if (!run) throw notFound("This backtest");
  const pinned = run.strategyId !== null && run.strategyVersion !== null;
  return startRun(services, {
    ...(pinned ? { strategyId: run.strategyId!, version: run.strategyVersion! } : { flow: run.flow, ...(run.strategyId ? { strategyId: run.strategyId } : {}) }),
    market: { exchange: run.exchange, symbol: run.symbol, timeframe: run.timeframe },
    from: run.fromTime,
    to: run.toTime,
    settings: run.settings,
    rerunOf: run.id,
  });
}

export interface Reproduction {
  originalId: string;
  /** pending: one of the two has not finished; gone: the original was deleted. */
  status: "pending" | "identical" | "differs" | "gone";
  /** The candles' content differs from what the original read (null: the original did not record it). */
  dataChanged: boolean | null;
  /** Set when the engine version differs between the two. */
  engine: { original: string | null; now: string | null; changed: boolean };
  reason: string;
}

/** Whether a run made with "Run again" came out identical to the run it repeats, and if not, why and where. */
export function reproduction(services: Services, runId: string): Reproduction | null {
  const run = services.db.backtests.get(runId);
  if (!run) throw notFound("This backtest");
  if (!run.rerunOf) return null;
  const original = services.db.backtests.get(run.rerunOf);
  const base = { originalId: run.rerunOf };
  if (!original) return { ...base, status: "gone", dataChanged: null, engine: { original: null, now: run.engineVersion, changed: false }, reason: "The run this one repeats has been deleted." };
  const engine = { original: original.engineVersion, now: run.engineVersion, changed: original.engineVersion !== run.engineVersion };
  const dataChanged = original.dataHash === null ? null : original.dataHash !== run.dataHash;
  if (run.status !== "done" || original.status !== "done" || !run.metrics || !original.metrics || !run.trades || !original.trades) {
    return { ...base, status: "pending", dataChanged, engine, reason: "The result is compared once both runs have finished." };
  }
  const when = `the run of ${utcMinute(original.createdAt)} UTC`;
  const d = compareOutcomes({ metrics: original.metrics, trades: original.trades, openPosition: original.openPosition ?? null }, { metrics: run.metrics, trades: run.trades, openPosition: run.openPosition ?? null });
  if (!d) {
    const inputs = dataChanged === false ? `same strategy version, candles, settings and ${engine.changed ? "result" : "engine"}` : "same strategy version and settings";
    const note = engine.changed ? ` The engine changed since (${engine.original ?? "unrecorded"} → ${engine.now}) without changing this result.` : "";
    return { ...base, status: "identical", dataChanged, engine, reason: `Same as ${when}: ${inputs}, the same trades and numbers.${note}` };
  }
  const where = describeDivergence(d, "this run").replace("the recorded result", when);
  const cause =
    dataChanged === true
      ? `The stored candles changed since ${when} (${original.bars} then, ${run.bars} now), and the result differs. `
      : engine.changed
        ? `The engine changed from ${engine.original ?? "an unrecorded version"} to ${engine.now}, and the result differs. `
        : dataChanged === null
          ? `${when[0]!.toUpperCase()}${when.slice(1)} did not record its candles, and the result differs. `
          : "Same inputs and engine, yet the result differs: please report this. ";
  return { ...base, status: "differs", dataChanged, engine, reason: cause + where };
}
