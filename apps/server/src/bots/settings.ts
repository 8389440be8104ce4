import { DEFAULT_PROBATION, probationFromEnv, type ProbationTerms } from "./probation";

/** Timing of bot runners; read once from the environment by configFromEnv. */
export interface BotSettings {
  /**
   * KEYFLOW_BOT_POLL_MS (default 5000): how often a runner asks the exchange for newly closed candles
   * and follows its open orders. A bar is acted on within about this long after it closes.
   */
  pollMs: number;
  /** A runner's lease on its bot lasts this long without renewal (default max(30 s, 6 polls)). */
  leaseMs: number;
  /**
   * How old an order with an unknown send outcome must be before "not found by its client order id"
   * is taken to mean it never reached the exchange (default 10 polls, between 0.1 and 3 s).
   */
  unknownGraceMs: number;
  /** How often the server looks for bots set running by another process, e.g. the CLI (default 3 s). */
  adoptEveryMs: number;
  /**
   * KEYFLOW_STREAMS (default on): candles and order updates over the exchange's websocket where ccxt
   * has it (`has.watchOHLCV` / `has.watchOrders`); "off" polls only.
   */
  streams: boolean;
  /** While the streams are healthy, REST polling drops to this safety net (default 60 s, never more often than pollMs). */
  safetyNetMs: number;
  /** KEYFLOW_PROBATION: the cap a new live bot starts under (see probation.ts); null = none. */
  probation: ProbationTerms | null;
}

export function botSettings(pollMs = 5000): BotSettings {
  return {
    pollMs,
    leaseMs: Math.max(30_000, pollMs * 6),
    unknownGraceMs: Math.min(3000, Math.max(100, pollMs * 10)),
    adoptEveryMs: 3000,
    streams: true,
    safetyNetMs: Math.max(60_000, pollMs),
    probation: DEFAULT_PROBATION,
  };
}

export function botSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): BotSettings {
  const probation = probationFromEnv(env.KEYFLOW_PROBATION);
  const streams = streamsFromEnv(env.KEYFLOW_STREAMS);
  const text = env.KEYFLOW_BOT_POLL_MS?.trim();
  if (!text) return { ...botSettings(), probation, streams };
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 600_000) throw new Error(`KEYFLOW_BOT_POLL_MS must be a whole number of milliseconds between 1 and 600000, not "${text}".`);
  return { ...botSettings(n), probation, streams };
}

function streamsFromEnv(text: string | undefined): boolean {
  const t = text?.trim().toLowerCase();
  if (!t || t === "on" || t === "1" || t === "true") return true;
  if (t === "off" || t === "0" || t === "false") return false;
  throw new Error(`KEYFLOW_STREAMS must be "on" or "off", not "${text}".`);
}
