import { statSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { findMigrationsFolder } from "./migrations";
import { makeDataDirPrivate } from "./privateFiles";
import { backtestRepo } from "./repo/backtests";
import { alertRepo } from "./repo/alerts";
import { researchRepo } from "./repo/research";
import { portfoliosRepo } from "./repo/portfolios";
import { banRepo } from "./repo/bans";
import { botRepo } from "./repo/bots";
import { candleRepo } from "./repo/candles";
import type { RepoContext } from "./repo/context";
import { keyRepo } from "./repo/keys";
import { strategyRepo } from "./repo/strategies";
import * as schema from "./schema";

export const DATABASE_FILE = "keyflow.db";

export interface OpenOptions {
  /** Defaults to the migrations shipped with this package. */
  migrationsFolder?: string;
  now?: () => number;
  /** Told when the data directory or its files were readable by other users and were tightened (default: stderr). */
  warn?: (line: string) => void;
}

/**
 * Opens (creating if needed) the database in `dataDir` — or an in-memory one for ":memory:" —
 * applies pending migrations and returns the repositories. One connection per process;
 * SQLite in WAL mode lets readers (e.g. a worker) proceed while it writes.
 */
export function openDatabase(dataDir: string, options: OpenOptions = {}) {
  const memory = dataDir === ":memory:";
  if (!memory) {
    const tightened = makeDataDirPrivate(dataDir, DATABASE_FILE);
    if (tightened.length > 0) {
      const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
      warn(`Warning: other users of this machine could read Keyflow's data; made private to you (0700/0600): ${tightened.join(", ")}`);
    }
  }
  const path = memory ? ":memory:" : join(dataDir, DATABASE_FILE);
  const sqlite = new BetterSqlite3(path);
  try {
    // Larger pages: candle chunks are ~400 KB BLOBs; fewer overflow pages read faster. Only takes
    // effect on a new file, before WAL is switched on.
    sqlite.pragma("page_size = 16384");
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: options.migrationsFolder ?? findMigrationsFolder() });
    const ctx: RepoContext = { db, sqlite, now: options.now ?? Date.now };
    const backtests = backtestRepo(ctx);
    const portfolios = portfoliosRepo(ctx);
    const candleBytes = sqlite.prepare("SELECT coalesce(sum(length(data)), 0) FROM candle_chunks").pluck();
    return {
      path,
      candles: candleRepo(ctx),
      strategies: strategyRepo(ctx),
      backtests,
      keys: keyRepo(ctx),
      bots: botRepo(ctx),
      bans: banRepo(ctx),
      alerts: alertRepo(ctx),
      /**
       * Disk used: the database file with its write-ahead log, and how much of it candles and
       * backtest runs take (the rest: strategies, bots, indexes and free pages SQLite reuses).
       */
      usage(): DiskUsage {
        const size = (f: string) => {
          try {
            return statSync(f).size;
          } catch {
            return 0;
          }
        };
        // Portfolio runs count as runs: they are kept, pinned and pruned the same way.
        const runs = backtests.storage();
        const more = portfolios.storage();
        return { fileBytes: memory ? 0 : size(path) + size(`${path}-wal`), candleBytes: candleBytes.get() as number, runBytes: runs.bytes + more.bytes, runs: runs.runs + more.runs };
      },
      research: researchRepo(ctx),
      portfolios,
      /** Runs `fn` in one transaction (nested calls become savepoints). */
      transaction<T>(fn: () => T): T {
        return sqlite.transaction(fn)();
      },
      close(): void {
        if (sqlite.open) sqlite.close();
      },
    };
  } catch (e) {
    sqlite.close();
    throw e;
  }
}

export type KeyflowDb = ReturnType<typeof openDatabase>;

export interface DiskUsage {
  /** keyflow.db plus its write-ahead log (0 for an in-memory database). */
  fileBytes: number;
  candleBytes: number;
  runBytes: number;
  runs: number;
}
