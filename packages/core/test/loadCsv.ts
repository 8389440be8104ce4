/// <reference types="node" />
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Candles } from "../src/data/candles";
import { parseCandlesCsv } from "../src/data/csv";

/** /work/shared/data, found relative to this file (packages/core/test). */
export const DATA_DIR = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));

/** Reads one of the shared CSV files (time,open,high,low,close,volume) for tests and benchmarks; null if absent. */
export function loadSharedCsv(name: string): Candles | null {
  const path = DATA_DIR + name;
  if (!existsSync(path)) return null;
  const parsed = parseCandlesCsv(readFileSync(path, "utf8"));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.errors.map((e) => `line ${e.line}: ${e.message}`).join("; ")}`);
  return parsed.candles;
}
