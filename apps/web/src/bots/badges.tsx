import type { BotView } from "./types";

/** PAPER and LIVE must never be confused: different colour, fill and wording. */
export function ModeBadge({ mode }: { mode: BotView["mode"] }) {
  return (
    <span className={`mode-badge ${mode}`} data-testid="mode-badge" data-mode={mode} title={mode === "live" ? "Real orders with real money" : "Simulated fills, no real money"}>
      {mode === "live" ? "LIVE" : "PAPER"}
    </span>
  );
}

const STATUS_TEXT: Record<BotView["status"], string> = { running: "Running", stopped: "Stopped", halted: "Halted" };

export function StatusBadge({ bot }: { bot: Pick<BotView, "status" | "haltReason" | "active"> }) {
  const title = bot.status === "halted" ? (bot.haltReason ?? "Halted") : bot.status === "running" && !bot.active ? "Waiting for a runner to pick it up" : undefined;
  return (
    <span className={`status ${bot.status}`} title={title} data-testid="bot-status" data-status={bot.status}>
      <i />
      {STATUS_TEXT[bot.status]}
    </span>
  );
}
