import type { FlowGraph, Market, StoredSweep, SweepParam, SweepSettings, WalkForwardResult, WalkForwardSettings } from "@keyflow/core";
import { and, desc, eq, getTableColumns, inArray, isNull } from "drizzle-orm";
import { researchRuns, strategyHoldouts, type ResearchKind, type ResearchRunRow, type StrategyHoldoutRow } from "../schema";
import type { RepoContext } from "./context";

export type ResearchRun = ResearchRunRow;
/** A research run without its results, for lists. */
export type ResearchRunSummary = Omit<ResearchRun, "sweep" | "walkForwardResult" | "flow">;
export type StrategyHoldout = StrategyHoldoutRow;

export interface NewResearchRun {
  id: string;
  strategyId: string | null;
  strategyVersion: number | null;
  kind: ResearchKind;
  flow: FlowGraph;
  market: Market;
  fromTime: number;
  toTime: number;
  bars: number;
  params: SweepParam[];
  settings: SweepSettings;
  walkForward: WalkForwardSettings | null;
  holdoutFrom: number | null;
}

const { sweep: _sweep, walkForwardResult: _wf, flow: _flow, ...summaryColumns } = getTableColumns(researchRuns);

export function researchRepo(ctx: RepoContext) {
  const { db, now } = ctx;
  return {
    create(run: NewResearchRun): ResearchRun {
      return db
        .insert(researchRuns)
        .values({ ...run, status: "running", createdAt: now() })
        .returning()
        .get();
    },
    finish(id: string, result: { sweep?: StoredSweep; walkForwardResult?: WalkForwardResult; durationMs: number }): void {
      db.update(researchRuns)
        .set({ ...result, status: "done", error: null, finishedAt: now() })
        .where(eq(researchRuns.id, id))
        .run();
    },
    /** `partial`: what a cancelled run had finished (kept with it, shown as partial). */
    fail(id: string, status: "failed" | "cancelled", error: string, partial: { sweep?: StoredSweep; walkForwardResult?: WalkForwardResult; durationMs?: number } = {}): void {
      db.update(researchRuns)
        .set({ ...partial, status, error, finishedAt: now() })
        .where(eq(researchRuns.id, id))
        .run();
    },
    /** A queued run got its slot, or a run waits for one. */
    setWaiting(id: string, waiting: boolean): void {
      db.update(researchRuns)
        .set({ status: waiting ? "queued" : "running" })
        .where(eq(researchRuns.id, id))
        .run();
    },
    get(id: string): ResearchRun | undefined {
      return db.select().from(researchRuns).where(eq(researchRuns.id, id)).get();
    },
    listForStrategy(strategyId: string, limit = 50): ResearchRunSummary[] {
      return db.select(summaryColumns).from(researchRuns).where(eq(researchRuns.strategyId, strategyId)).orderBy(desc(researchRuns.createdAt)).limit(limit).all();
    },
    /** Research a previous process left running or queued (oldest first): a queue may still hold its chunks. */
    listRunning(): ResearchRun[] {
      return db.select().from(researchRuns).where(inArray(researchRuns.status, ["running", "queued"])).orderBy(researchRuns.createdAt).all();
    },
    /** Crash-only recovery: research left running or queued by a previous process did not finish. */
    failInterrupted(): number {
      return db
        .update(researchRuns)
        .set({ status: "failed", error: "Interrupted because the server stopped; run it again.", finishedAt: now() })
        .where(inArray(researchRuns.status, ["queued", "running"]))
        .run().changes;
    },
    holdout(strategyId: string): StrategyHoldout | undefined {
      return db.select().from(strategyHoldouts).where(eq(strategyHoldouts.strategyId, strategyId)).get();
    },
    /** Reserves (or moves) a locked hold-out; false once it has been unlocked (that cannot be undone). */
    lockHoldout(strategyId: string, fromTime: number): boolean {
      const current = this.holdout(strategyId);
      if (current?.unlockedAt != null) return false;
      db.insert(strategyHoldouts)
        .values({ strategyId, fromTime, lockedAt: now() })
        .onConflictDoUpdate({ target: strategyHoldouts.strategyId, set: { fromTime, lockedAt: now() } })
        .run();
      return true;
    },
    /** Records the one run on the hold-out; false when it was already unlocked (then nothing changes). */
    unlockHoldout(strategyId: string, unlock: NonNullable<StrategyHoldout["unlock"]>): boolean {
      return (
        db
          .update(strategyHoldouts)
          .set({ unlockedAt: now(), unlock })
          .where(and(eq(strategyHoldouts.strategyId, strategyId), isNull(strategyHoldouts.unlockedAt)))
          .run().changes > 0
      );
    },
  };
}

export type ResearchRepo = ReturnType<typeof researchRepo>;
