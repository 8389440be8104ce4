// What the keys and bots commands need, without the rest of the server: the database, the vault,
// the key service and a bot manager that runs nothing by itself.
import { openDatabase } from "@keyflow/db";
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
    const keys = new KeyService(db, createVault({ dataDir: config.dataDir }), exchange);
    const bots = new BotManager(db, keys, { exchange, settings, autoRun: false, ...(log ? { log } : {}) });
    return {
      config,
      db,
      keys,
      bots,
      exchange,
      settings,
      async close() {
        await bots.shutdown();
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
