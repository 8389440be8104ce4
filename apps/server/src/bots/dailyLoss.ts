// The daily-loss limit (`risk.maxDailyLoss`) of a live bot: today's realized profit plus what its open
// positions would make if sold at their mark. One market's bot counts its one position; a bot over
// several markets counts all of them, and one halt stops every market.
import type { Ledger } from "./ledger";

const DAY_MS = 86_400_000;

/** What a position would add to today's result now. */
export interface MarkedPosition {
  ledger: Pick<Ledger, "open" | "qty" | "costBasis">;
  mark: number;
}

/** Today's (UTC) loss in quote (negative when the day is a gain), and when the day ends. */
export function lossToday(fills: readonly { time: number; realizedPnl: number | null }[], positions: readonly MarkedPosition[], now: number): { loss: number; dayEnd: number } {
  const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const realized = fills.reduce((s, f) => (f.time >= dayStart && f.realizedPnl !== null ? s + f.realizedPnl : s), 0);
  const unrealized = positions.reduce((s, p) => (p.ledger.open && Number.isFinite(p.mark) ? s + p.ledger.qty * p.mark - p.ledger.costBasis : s), 0);
  return { loss: -(realized + unrealized), dayEnd: dayStart + DAY_MS };
}

/** The halt reason when the limit is reached, or null. */
export function dailyLossHalt(loss: number, max: number | null, quote: string): string | null {
  if (max === null || loss < max) return null;
  return `Daily loss limit reached: ${String(Number(loss.toFixed(2)))} ${quote} lost today (limit ${max}). No new entries until 00:00 UTC; exits still run.`;
}
