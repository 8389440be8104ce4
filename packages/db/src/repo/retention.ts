import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { backtestRuns, portfolioRuns, type BacktestStatus } from "../schema";
import type { RepoContext } from "./context";

/** Runs still queued or running are never pruned. */
const FINISHED: BacktestStatus[] = ["done", "failed", "cancelled"];

/**
 * Retention of kept runs (single or portfolio): keeps the newest `keep` runs of a strategy (or of
 * flows run without one, `strategyId` null) plus every pinned one; deletes the older ones that
 * finished. Returns how many went.
 */
export function pruneRuns(db: RepoContext["db"], table: typeof backtestRuns | typeof portfolioRuns, strategyId: string | null, keep: number): number {
  // Both tables name these columns alike (id, strategy id, status, pinned, created at).
  const t = table as typeof backtestRuns;
  const owner = strategyId === null ? isNull(t.strategyId) : eq(t.strategyId, strategyId);
  // The newest `keep` count whatever their state; of the older ones only finished runs go.
  const old = db
    .select({ id: t.id, status: t.status })
    .from(t)
    .where(and(owner, eq(t.pinned, false)))
    .orderBy(desc(t.createdAt))
    .all()
    .slice(keep)
    .filter((r) => FINISHED.includes(r.status))
    .map((r) => r.id);
  for (let i = 0; i < old.length; i += 500) db.delete(t).where(inArray(t.id, old.slice(i, i + 500))).run();
  return old.length;
}
