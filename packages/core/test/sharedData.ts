/// <reference types="node" />
// The one place tests and benchmarks find the shared market data (real candles kept next to the
// repository, never copied into it): `$KEYFLOW_SHARED_DATA` when set, else `../shared/data` beside
// the repository root — the folder holding pnpm-workspace.yaml, found by walking up from this file,
// so any clone or worktree finds it however deep the caller sits and whatever the cwd.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Candles } from "../src/data/candles";
import { parseCandlesCsv } from "../src/data/csv";

/** Overrides where the shared data lives (turbo passes it through to `bench`). */
export const SHARED_DATA_ENV = "KEYFLOW_SHARED_DATA";

/** The nearest folder at or above `from` that holds pnpm-workspace.yaml. */
export function findRepoRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml at or above ${from}`);
  }
}

export function sharedDataDir(env: Record<string, string | undefined> = process.env): string {
  const override = env[SHARED_DATA_ENV];
  if (override) return resolve(override);
  return join(findRepoRoot(dirname(fileURLToPath(import.meta.url))), "..", "shared", "data");
}

/** Path of a shared file; throws, saying where it looked and how to point elsewhere, when absent. */
export function sharedDataFile(name: string): string {
  const path = join(sharedDataDir(), name);
  if (!existsSync(path)) {
    throw new Error(`shared data file ${path} not found: put the shared data beside the repository (../shared/data) or set ${SHARED_DATA_ENV}`);
  }
  return path;
}

export function hasSharedDataFile(name: string): boolean {
  return existsSync(join(sharedDataDir(), name));
}

/** Reads a shared CSV (time,open,high,low,close,volume). A test that needs it fails when it is missing. */
export function loadSharedCsv(name: string): Candles {
  const path = sharedDataFile(name);
  const parsed = parseCandlesCsv(readFileSync(path, "utf8"));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.errors.map((e) => `line ${e.line}: ${e.message}`).join("; ")}`);
  return parsed.candles;
}
