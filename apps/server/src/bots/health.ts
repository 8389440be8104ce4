// A bot's one state, in plain words: what the person asked for (its status) combined with what the
// process running it last saw (its health: reachability, refused orders, late candles).
import type { Bot, BotHealth } from "@keyflow/db";
import { utcMinute } from "../utcMinute";

export const BOT_STATES = ["starting", "warming up", "running", "degraded", "halted", "paused", "stopped"] as const;
export type BotState = (typeof BOT_STATES)[number];

export function botState(b: Pick<Bot, "status" | "haltReason" | "health" | "lease" | "stoppedAt">, now: number): { state: BotState; reason: string | null } {
  if (b.status === "stopped") return { state: "stopped", reason: b.stoppedAt !== null ? `Stopped at ${utcMinute(b.stoppedAt)} UTC.` : null };
  if (b.status === "halted") return { state: "halted", reason: b.haltReason };
  if (b.status === "paused") {
    return { state: "paused", reason: `Paused${b.stoppedAt !== null ? ` at ${utcMinute(b.stoppedAt)} UTC` : ""}: not acting on candles; its working orders (a stop on the exchange) stay. Resume to catch up.` };
  }
  const running = b.lease !== null && b.lease.until > now;
  const h: BotHealth | null = b.health;
  if (!running || h === null || h.state === "starting") {
    return { state: "starting", reason: running ? (h?.reason ?? "Connecting to the exchange.") : "Waiting for a Keyflow process to run it (`keyflow serve`, or `keyflow bots run`)." };
  }
  if (h.state === "warming") return { state: "warming up", reason: h.reason };
  if (h.state === "degraded") return { state: "degraded", reason: h.reason };
  return { state: "running", reason: null };
}
