import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { botSettingsFromEnv, type BotSettings } from "./bots/settings";
import { exchangeSettingsFromEnv, type ExchangeSettings } from "./keys/exchangeSettings";

export interface ServerConfig {
  host: string;
  port: number;
  /** Required when `host` is not a loopback address; checked on every request when set. */
  token: string | undefined;
  dataDir: string;
  /** KEYFLOW_EXCHANGE_URLS / _TIMEOUT_MS, KEYFLOW_RATE_LIMIT, KEYFLOW_CCXT_RATE_LIMIT_MS (defaults when absent). */
  exchange?: ExchangeSettings;
  /** KEYFLOW_BOT_POLL_MS (defaults when absent). */
  bots?: BotSettings;
}

export const DEFAULT_PORT = 5177;
export const DEFAULT_HOST = "127.0.0.1";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith("127.");
}

/** Reads KEYFLOW_* settings; throws a readable Error when they do not make sense. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const host = env.KEYFLOW_HOST?.trim() || DEFAULT_HOST;
  const portText = env.KEYFLOW_PORT?.trim();
  const port = portText ? Number(portText) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`KEYFLOW_PORT must be a port number (0–65535), not "${portText}".`);
  const token = env.KEYFLOW_TOKEN?.trim() || undefined;
  const dataDir = resolve(env.KEYFLOW_DATA_DIR?.trim() || join(homedir(), ".keyflow"));
  return checkConfig({ host, port, token, dataDir, exchange: exchangeSettingsFromEnv(env), bots: botSettingsFromEnv(env) });
}

export function checkConfig(config: ServerConfig): ServerConfig {
  if (!isLoopback(config.host) && !config.token) {
    throw new Error(
      `Refusing to listen on ${config.host} without a token: anyone on the network could use your exchange keys. ` +
        `Set KEYFLOW_TOKEN to a long random secret (e.g. \`openssl rand -hex 32\`), or leave KEYFLOW_HOST unset to stay on 127.0.0.1.`,
    );
  }
  if (config.token !== undefined && config.token.length < 16) throw new Error("KEYFLOW_TOKEN is too short; use at least 16 random characters.");
  return config;
}
