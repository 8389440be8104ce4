import type BetterSqlite3 from "better-sqlite3";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type * as schema from "../schema";

/** What every repository works on: the drizzle client and, for transactions and hot paths, the raw handle. */
export interface RepoContext {
  db: BetterSQLite3Database<typeof schema>;
  sqlite: BetterSqlite3.Database;
  /** Injected so tests can pin time. */
  now: () => number;
}
