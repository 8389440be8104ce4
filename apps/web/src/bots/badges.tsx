import { app } from "../app/appStore";
import { useBots } from "./live";
import type { BotView } from "./types";

/** PAPER and LIVE must never be confused: different colour, fill and wording. */
export function ModeBadge({ mode, testnet = false }: { mode: BotView["mode"]; testnet?: boolean }) {
  const onTestnet = mode === "live" && testnet;
  return (
    <span
      className={`mode-badge ${mode}${onTestnet ? " testnet" : ""}`}
      data-testid="mode-badge"
      data-mode={mode}
      data-testnet={String(onTestnet)}
      title={onTestnet ? "Orders on the exchange's testnet: play money" : mode === "live" ? "Real orders with real money" : "Simulated fills, no real money"}
    >
      {onTestnet ? "LIVE · TESTNET" : mode === "live" ? "LIVE" : "PAPER"}
    </span>
  );
}

const STATE_TEXT: Record<BotView["state"], string> = {
  starting: "Starting",
  "warming up": "Warming up",
  running: "Running",
  degraded: "Degraded",
  halted: "Halted",
  paused: "Paused",
  stopped: "Stopped",
};

/** The bot's one state: green only when it really runs; the reason is the tooltip. */
export function StatusBadge({ bot }: { bot: Pick<BotView, "status" | "state" | "stateReason"> }) {
  return (
    <span className={`status ${bot.state.replace(" ", "-")}`} title={bot.stateReason ?? undefined} data-testid="bot-status" data-status={bot.status} data-state={bot.state}>
      <i />
      {STATE_TEXT[bot.state]}
    </span>
  );
}

/** Top bar: how many bots are degraded or halted (a person should look); nothing when none. */
export function AttentionBadge() {
  const bots = useBots();
  const needing = (bots.data ?? []).filter((b) => b.state === "degraded" || b.state === "halted");
  if (needing.length === 0) return null;
  return (
    <button
      type="button"
      className="btn small attention"
      onClick={() => app.set({ view: "bots" })}
      title={needing.map((b) => `${b.name}: ${b.stateReason ?? b.state}`).join("\n")}
      data-testid="bots-attention"
      data-count={needing.length}
    >
      ⚠ {needing.length} bot{needing.length === 1 ? "" : "s"} need{needing.length === 1 ? "s" : ""} attention
    </button>
  );
}
