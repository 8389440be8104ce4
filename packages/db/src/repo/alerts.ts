import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { alertChannels, type AlertChannel } from "../schema";
import type { RepoContext } from "./context";

export function alertRepo(ctx: RepoContext) {
  const { db, now } = ctx;
  return {
    create(row: Omit<AlertChannel, "createdAt" | "lastSentAt" | "lastError" | "summaryDay">): AlertChannel {
      return db.insert(alertChannels).values({ ...row, createdAt: now(), lastSentAt: null, lastError: null, summaryDay: null }).returning().get();
    },
    list(): AlertChannel[] {
      return db.select().from(alertChannels).orderBy(desc(alertChannels.createdAt)).all();
    },
    get(id: string): AlertChannel | undefined {
      return db.select().from(alertChannels).where(eq(alertChannels.id, id)).get();
    },
    remove(id: string): boolean {
      return db.delete(alertChannels).where(eq(alertChannels.id, id)).run().changes > 0;
    },
    /** Takes the daily summary of `day` for this channel: true once per (channel, day), in any process. */
    claimSummary(id: string, day: number): boolean {
      return (
        db
          .update(alertChannels)
          .set({ summaryDay: day })
          .where(and(eq(alertChannels.id, id), or(isNull(alertChannels.summaryDay), lt(alertChannels.summaryDay, day))))
          .run().changes > 0
      );
    },
    delivered(id: string, error: string | null): void {
      db.update(alertChannels)
        .set(error === null ? { lastSentAt: now(), lastError: null } : { lastError: error })
        .where(eq(alertChannels.id, id))
        .run();
    },
  };
}

export type AlertRepo = ReturnType<typeof alertRepo>;
