import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allocCandles, type Candles } from "@keyflow/core";
import { openDatabase, type KeyflowDb } from "../src";

export function tempDb(): { db: KeyflowDb; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "keyflow-db-"));
  const db = openDatabase(dir);
  return { db, dir, cleanup: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

/** n candles every `step` ms from `start`, close = base + index. */
export function ramp(start: number, n: number, step: number, base = 100): Candles {
  const c = allocCandles(n);
  for (let i = 0; i < n; i++) {
    const p = base + i;
    c.time[i] = start + i * step;
    c.open[i] = p;
    c.high[i] = p + 1;
    c.low[i] = p - 1;
    c.close[i] = p + 0.5;
    c.volume[i] = i;
  }
  return c;
}
