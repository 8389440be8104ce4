// What the keys and bots commands need, without the rest of the server: the database, the vault,
// the key service and a bot manager that runs nothing by itself.
import { openDatabase } from "@keyflow/db";
import { AlertService } from "../alerts/alertService";
import { BotManager } from "../bots/manager";
import { botSettings } from "../bots/settings";
import { configFromEnv } from "../config";
import { DEFAULT_EXCHANGE_SETTINGS } from "../keys/exchangeSettings";
import { KeyService } from "../keys/keyService";
import { createVault } from "../vault";

export function openBotServices(log?: (line: string) => void) {
  const config = configFromEnv();
  const db = openDatabase(config.dataDir);
  try {
    const exchange = config.exchange ?? DEFAULT_EXCHANGE_SETTINGS;
    const settings = config.bots ?? botSettings();
    const vault = createVault({ dataDir: config.dataDir });
    const keys = new KeyService(db, vault, exchange);
    const alerts = new AlertService(db, vault);
    const bots = new BotManager(db, keys, { exchange, settings, autoRun: false, alerts, ...(log ? { log } : {}) });
    return {
      config,
      db,
      keys,
      bots,
      exchange,
      settings,
      alerts,
      async close() {
        await bots.shutdown();
        await alerts.settled();
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Runs one command's work with the services open, and closes them however it ends. */
export async function withBotServices<T>(work: (s: ReturnType<typeof openBotServices>) => Promise<T> | T): Promise<T> {
  const s = openBotServices();
  try {
    return await work(s);
  } finally {
    await s.close();
  }
}
