// On start: sweeps and walk-forwards a previous server left running. With a queue (KEYFLOW_REDIS_URL)
// their chunks are still there: each is started again with the same flow, params and candles, so its
// chunks get the same job ids, finished ones are taken as they stand and the rest run on. Without a
// queue nothing outlived the process: they are marked failed.
import { sweepCombos } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { loadMarketCandles } from "../backtest/runInputs";
import type { ResearchJobs } from "./researchJobs";
import { researchTotal } from "./startResearch";

export function resumeResearch(db: KeyflowDb, research: ResearchJobs, log: (line: string) => void): number {
  if (!research.durable) {
    db.research.failInterrupted();
    return 0;
  }
  let resumed = 0;
  for (const run of db.research.listRunning()) {
    try {
      const combos = sweepCombos(run.params, run.settings);
      if (!combos.ok) throw new Error(combos.error);
      const range = { from: run.fromTime, to: run.toTime, ...(run.holdoutFrom === null ? {} : { before: run.holdoutFrom }) };
      const { candles } = loadMarketCandles(db, run.market, range);
      const total = researchTotal(combos.combos.length, candles.length, run.settings, run.walkForward);
      if (typeof total === "string") throw new Error(total);
      research.start({ id: run.id, flow: run.flow, params: run.params, candles, settings: run.settings, walkForward: run.walkForward, total });
      resumed++;
    } catch (e) {
      db.research.fail(run.id, "failed", `Could not pick the sweep up after the restart (${e instanceof Error ? e.message : String(e)}); run it again.`);
    }
  }
  if (resumed > 0) log(`Picked up ${resumed} sweep(s) from the queue where the last server left them.`);
  return resumed;
}
