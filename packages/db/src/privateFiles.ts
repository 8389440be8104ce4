import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";

/** The database and its journals. (The vault refuses a master.key that others can read: it may have leaked.) */
const PRIVATE_FILES = (db: string) => [db, `${db}-wal`, `${db}-shm`, `${db}-journal`];

const loose = (path: string) => (lstatSync(path).mode & 0o077) !== 0;

/**
 * Makes the data directory private before anything is written to it: created 0700, an existing
 * one tightened to 0700 and its known files to 0600, the database file created 0600 (SQLite gives
 * its WAL and SHM files the database's mode). Returns one line per change, for a warning.
 */
export function makeDataDirPrivate(dataDir: string, databaseFile: string): string[] {
  if (process.platform === "win32") {
    mkdirSync(dataDir, { recursive: true });
    return []; // POSIX modes do not describe Windows ACLs
  }
  const changed: string[] = [];
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  else if (loose(dataDir)) {
    chmodSync(dataDir, 0o700);
    changed.push(dataDir);
  }
  for (const name of PRIVATE_FILES(databaseFile)) {
    const path = join(dataDir, name);
    if (!existsSync(path) || !lstatSync(path).isFile() || !loose(path)) continue;
    chmodSync(path, 0o600);
    changed.push(path);
  }
  const db = join(dataDir, databaseFile);
  if (!existsSync(db)) closeSync(openSync(db, "a", 0o600));
  return changed;
}
