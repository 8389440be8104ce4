import { isIP } from "node:net";
import { dataDirFromEnv } from "./dataDir";
import { botSettingsFromEnv, type BotSettings } from "./bots/settings";
import { exchangeSettingsFromEnv, type ExchangeSettings } from "./keys/exchangeSettings";

export interface ServerConfig {
  host: string;
  port: number;
  /** Required when `host` is not a loopback address; checked on every request when set. */
  token: string | undefined;
  dataDir: string;
  /**
   * KEYFLOW_WORKER_TOKEN: what `keyflow worker` processes send to fetch candles from this server
   * (only that route; required for it when `host` is not a loopback address).
   */
  workerToken?: string;
  /**
   * KEYFLOW_ALLOWED_HOSTS: further names the server answers to (`host` or `host:port`), besides
   * 127.0.0.1, localhost, [::1] and KEYFLOW_HOST on its port. Every other Host header is refused.
   */
  allowedHosts?: string[];
  /** KEYFLOW_EXCHANGE_URLS / _TIMEOUT_MS, KEYFLOW_RATE_LIMIT, KEYFLOW_CCXT_RATE_LIMIT_MS (defaults when absent). */
  exchange?: ExchangeSettings;
  /** KEYFLOW_KEEP_RUNS: finished runs kept per strategy besides pinned ones (default 50). */
  keepRuns?: number;
  /** KEYFLOW_BOT_POLL_MS (defaults when absent). */
  bots?: BotSettings;
}

export const DEFAULT_PORT = 5177;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_KEEP_RUNS = 50;

/** A loopback address or the name localhost; parsed as an address, never matched as a prefix. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  const kind = isIP(h);
  if (kind === 4) return h.split(".")[0] === "127";
  if (kind === 6) return h === "::1" || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

const HOST_ENTRY = /^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/;

/** KEYFLOW_ALLOWED_HOSTS: comma- or space-separated `host` or `host:port` entries, lower-cased. */
export function parseAllowedHosts(text: string | undefined): string[] {
  const entries = (text ?? "").split(/[\s,]+/).map((e) => e.trim().toLowerCase()).filter((e) => e !== "");
  for (const e of entries) {
    if (!HOST_ENTRY.test(e)) {
      throw new Error(`KEYFLOW_ALLOWED_HOSTS: "${e}" is not a host name or host:port (write IPv6 addresses in brackets, e.g. [fd00::1]:5177).`);
    }
  }
  return entries;
}

/** Reads KEYFLOW_* settings; throws a readable Error when they do not make sense. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const host = env.KEYFLOW_HOST?.trim() || DEFAULT_HOST;
  const portText = env.KEYFLOW_PORT?.trim();
  const port = portText ? Number(portText) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`KEYFLOW_PORT must be a port number (0–65535), not "${portText}".`);
  const token = env.KEYFLOW_TOKEN?.trim() || undefined;
  const workerToken = env.KEYFLOW_WORKER_TOKEN?.trim() || undefined;
  const dataDir = dataDirFromEnv(env);
  const allowedHosts = parseAllowedHosts(env.KEYFLOW_ALLOWED_HOSTS);
  const keepText = env.KEYFLOW_KEEP_RUNS?.trim();
  const keepRuns = keepText ? Number(keepText) : DEFAULT_KEEP_RUNS;
  if (!Number.isInteger(keepRuns) || keepRuns < 1) throw new Error(`KEYFLOW_KEEP_RUNS must be a whole number of runs (1 or more), not "${keepText}".`);
  return checkConfig({ host, port, token, ...(workerToken ? { workerToken } : {}), dataDir, allowedHosts, keepRuns, exchange: exchangeSettingsFromEnv(env), bots: botSettingsFromEnv(env) });
}

export function checkConfig(config: ServerConfig): ServerConfig {
  if (!isLoopback(config.host) && !config.token) {
    throw new Error(
      `Refusing to listen on ${config.host} without a token: anyone on the network could use your exchange keys. ` +
        `Set KEYFLOW_TOKEN to a long random secret (e.g. \`openssl rand -hex 32\`), or leave KEYFLOW_HOST unset to stay on 127.0.0.1.`,
    );
  }
  if (config.token !== undefined && config.token.length < 16) throw new Error("KEYFLOW_TOKEN is too short; use at least 16 random characters.");
  if (config.workerToken !== undefined && config.workerToken.length < 16) throw new Error("KEYFLOW_WORKER_TOKEN is too short; use at least 16 random characters.");
  if (config.workerToken !== undefined && config.workerToken === config.token) throw new Error("KEYFLOW_WORKER_TOKEN must differ from KEYFLOW_TOKEN: a worker's token opens only the candles, not your keys.");
  return config;
}
