import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { findMigrationsFolder } from "./migrations";
import { makeDataDirPrivate } from "./privateFiles";
import { backtestRepo } from "./repo/backtests";
import { alertRepo } from "./repo/alerts";
import { researchRepo } from "./repo/research";
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
    return {
      path,
      candles: candleRepo(ctx),
      strategies: strategyRepo(ctx),
      backtests: backtestRepo(ctx),
      keys: keyRepo(ctx),
      bots: botRepo(ctx),
      bans: banRepo(ctx),
      alerts: alertRepo(ctx),
      research: researchRepo(ctx),
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
