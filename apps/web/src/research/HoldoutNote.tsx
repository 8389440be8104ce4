import { skipToken, useQuery } from "@tanstack/react-query";
import { trpc } from "../lib/trpc";
import { date, dateTime } from "../ui/format";

/**
 * Next to a result: whether the strategy's locked hold-out was already unlocked when it ran (the
 * hold-out's candles had then been seen), or whether this run reaches into a still-locked hold-out.
 */
export function HoldoutNote({ strategyId, createdAt, toTime }: { strategyId: string | null; createdAt: number; toTime: number }) {
  const q = useQuery(trpc.research.holdout.queryOptions(strategyId ? { strategyId } : skipToken));
  const h = q.data;
  if (!h) return null;
  if (h.unlockedAt !== null && h.unlockedAt <= createdAt) {
    return (
      <span className="pill warn" data-testid="holdout-note" title="Results after the unlock may have been tuned on the hold-out">
        hold-out from {date(h.fromTime)} unlocked {dateTime(h.unlockedAt)}
      </span>
    );
  }
  if (toTime > h.fromTime) {
    return (
      <span className="pill warn" data-testid="holdout-note" title="Sweeps never see these candles; a backtest over them spends the hold-out">
        {h.unlockedAt === null ? `includes the locked hold-out (from ${date(h.fromTime)})` : `includes the hold-out (from ${date(h.fromTime)}), unlocked later ${dateTime(h.unlockedAt)}`}
      </span>
    );
  }
  return null;
}
