import { and, eq, gt, max } from "drizzle-orm";
import { exchangeBans } from "../schema";
import type { RepoContext } from "./context";

export function banRepo(ctx: RepoContext) {
  const { db, now } = ctx;
  return {
    /** Remembers a ban; an earlier end never shortens a later one. */
    record(exchange: string, keyId: string, until: number, reason: string): void {
      const t = now();
      const current = db.select().from(exchangeBans).where(and(eq(exchangeBans.exchange, exchange), eq(exchangeBans.keyId, keyId))).get();
      if (current && current.until >= until) return;
      db.insert(exchangeBans)
        .values({ exchange, keyId, until, reason, updatedAt: t })
        .onConflictDoUpdate({ target: [exchangeBans.exchange, exchangeBans.keyId], set: { until, reason, updatedAt: t } })
        .run();
    },
    /**
     * When the latest ban on this exchange ends, whichever key it came with (exchanges such as
     * Binance limit and ban by IP address), or null when none is in force.
     */
    activeUntil(exchange: string): number | null {
      const row = db
        .select({ until: max(exchangeBans.until) })
        .from(exchangeBans)
        .where(and(eq(exchangeBans.exchange, exchange), gt(exchangeBans.until, now())))
        .get();
      return row?.until ?? null;
    },
  };
}

export type BanRepo = ReturnType<typeof banRepo>;
