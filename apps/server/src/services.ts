import { openDatabase } from "@keyflow/db";
import type { CrashHook } from "./bots/crashHook";
import { AlertService, type AlertServiceOptions } from "./alerts/alertService";
import { BotManager } from "./bots/manager";
import { botSettings } from "./bots/settings";
import type { ServerConfig } from "./config";
import { installDemoMarket } from "./data/demoMarket";
import { publicExchanges, type ExchangeFactory } from "./data/exchangeFactory";
import { BacktestJobs, type BacktestJobsOptions } from "./jobs/backtestJobs";
import { DownloadJobs } from "./jobs/downloadJobs";
import { ResearchJobs } from "./research/researchJobs";
import type { SweepBackend } from "./research/sweepBackend";
import { backendFromEnv } from "./research/backendFromEnv";
import { resumeResearch } from "./research/resumeResearch";
import { DEFAULT_EXCHANGE_SETTINGS } from "./keys/exchangeSettings";
import { KeyService } from "./keys/keyService";
import type { Services } from "./trpc";
import { createVault } from "./vault";

export interface ServicesOptions {
  exchangeFactory?: ExchangeFactory;
  backtests?: BacktestJobsOptions;
  /** Where sweep chunks run (default: worker threads, one per core). */
  /** `limit`: sweeps and walk-forwards run at once (default one per core; the rest wait, queued). */
  research?: { backend?: SweepBackend; limit?: number };
  /** Install the demo market if missing (default true). */
  demo?: boolean;
  log?: (line: string) => void;
  /** autoRun false: bots are not resumed or adopted (tests driving runners themselves). */
  bots?: { autoRun?: boolean; crash?: CrashHook };
  /** Telegram API base, retry timing (tests). */
  alerts?: AlertServiceOptions;
}

/** Opens the database (migrating it), recovers from a previous crash, installs the demo market. */
export function createServices(config: ServerConfig, options: ServicesOptions = {}): Services & { close(): Promise<void> } {
  const log = options.log ?? (() => {});
  const db = openDatabase(config.dataDir, { warn: log });
  try {
    const interrupted = db.backtests.failInterrupted() + db.portfolios.failInterrupted();
    if (interrupted > 0) log(`Marked ${interrupted} backtest(s) interrupted by the last shutdown as failed.`);
    if (options.demo !== false) {
      const demo = installDemoMarket(db);
      if (demo.installed) log(`Installed the demo market (${demo.candles.toLocaleString("en")} candles) in ${(demo.ms / 1000).toFixed(1)} s.`);
    }
  } catch (e) {
    db.close();
    throw e;
  }
  const backtests = new BacktestJobs(db, options.backtests);
  const research = new ResearchJobs(db, options.research?.backend ?? backendFromEnv(process.env), { limit: options.research?.limit });
  resumeResearch(db, research, log);
  const exchange = config.exchange ?? DEFAULT_EXCHANGE_SETTINGS;
  const downloads = new DownloadJobs(db, options.exchangeFactory ?? publicExchanges(exchange), { dataDir: config.dataDir });
  downloads.resumePending(log);
  for (const [id, url] of Object.entries(exchange.urls)) log(`KEYFLOW_EXCHANGE_URLS: ${id} requests go to ${url}, not to the real exchange.`);
  let keys: KeyService;
  let bots: BotManager;
  let alerts: AlertService;
  try {
    const vault = createVault({ dataDir: config.dataDir });
    keys = new KeyService(db, vault, exchange);
    alerts = new AlertService(db, vault, options.alerts);
    const locked = keys.sealedElsewhere();
    if (locked > 0) log(`Warning: ${locked} stored exchange key${locked === 1 ? " was" : "s were"} sealed under a different master key and cannot be used: restore KEYFLOW_MASTER_KEY (or master.key) as it was, or add ${locked === 1 ? "it" : "them"} again.`);
    bots = new BotManager(db, keys, { exchange, settings: config.bots ?? botSettings(), log, alerts, ...options.bots });
  } catch (e) {
    db.close();
    throw e;
  }
  // The process that runs the bots also sends the daily summary.
  const stopSummary = options.bots?.autoRun === false ? () => {} : alerts.scheduleDailySummary();
  return {
    db,
    backtests,
    research,
    downloads,
    keys,
    bots,
    alerts,
    config,
    startedAt: Date.now(),
    async close() {
      // Bots stop first (their runners end; a bot left running resumes on the next start).
      stopSummary();
      await bots.shutdown();
      await Promise.all([backtests.shutdown(), research.shutdown(), downloads.shutdown(), alerts.settled()]);
      db.close();
    },
  };
}
