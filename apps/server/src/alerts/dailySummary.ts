// The daily summary alert: after 00:00 UTC, one message per channel about the day that ended — each
// bot's state, its fills that day and its profit — sent once per (channel, day) even across restarts.
import type { KeyflowDb } from "@keyflow/db";
import { toBotView } from "../bots/views";
import { utcMinute } from "../utcMinute";

export const DAY_MS = 86_400_000;

const n = (x: number, d = 2) => x.toLocaleString("en", { maximumFractionDigits: d });

/** The summary of the UTC day starting at `dayStart`, or null when there are no bots. */
export function dailySummaryText(db: KeyflowDb, dayStart: number): string | null {
  const bots = db.bots.list();
  if (bots.length === 0) return null;
  const end = dayStart + DAY_MS;
  const now = Date.now();
  const lines = bots.map((b) => {
    const v = toBotView(db, b, now);
    const today = db.bots.fills(b.id).filter((f) => f.createdAt >= dayStart && f.createdAt < end);
    const realized = today.reduce((s, f) => s + (f.realizedPnl ?? 0), 0);
    const quote = b.symbol.split("/")[1]?.split(":")[0] ?? "";
    return `${b.name} (${b.mode === "live" ? "LIVE" : "paper"}, ${v.state}${v.stateReason && v.state !== "running" ? `: ${v.stateReason}` : ""}): ${today.length} fill${today.length === 1 ? "" : "s"}, realized ${n(realized)} ${quote}; total P&L ${n(v.pnl.total)} ${quote} (${n(v.pnl.returnPct)} %), ${v.position.qty > 0 ? `holding ${n(v.position.qty, 8)}` : "flat"}.`;
  });
  return [`Daily summary for ${utcMinute(dayStart).slice(0, 10)} (UTC):`, ...lines].join("\n");
}
