import { openDatabase } from "@keyflow/db";
import type { ServerConfig } from "./config";
import { installDemoMarket } from "./data/demoMarket";
import type { ExchangeFactory } from "./data/exchangeFactory";
import { BacktestJobs, type BacktestJobsOptions } from "./jobs/backtestJobs";
import { DownloadJobs } from "./jobs/downloadJobs";
import type { Services } from "./trpc";

export interface ServicesOptions {
  exchangeFactory?: ExchangeFactory;
  backtests?: BacktestJobsOptions;
  /** Install the demo market if missing (default true). */
  demo?: boolean;
  log?: (line: string) => void;
}

/** Opens the database (migrating it), recovers from a previous crash, installs the demo market. */
export function createServices(config: ServerConfig, options: ServicesOptions = {}): Services & { close(): Promise<void> } {
  const log = options.log ?? (() => {});
  const db = openDatabase(config.dataDir);
  try {
    const interrupted = db.backtests.failInterrupted();
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
  const downloads = new DownloadJobs(db, options.exchangeFactory);
  return {
    db,
    backtests,
    downloads,
    config,
    startedAt: Date.now(),
    async close() {
      await Promise.all([backtests.shutdown(), downloads.shutdown()]);
      db.close();
    },
  };
}
