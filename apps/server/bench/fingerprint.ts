/**
 * Pinning a run to its candles: the content hash (startRun, every run) and the per-candle checks
 * (export only) over a year of 1m demo candles, as ratios to reading those candles from the store.
 *   pnpm --filter @keyflow/server bench   (after the CLI start-up bench)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { candleChecks } from "@keyflow/core";
import { openDatabase } from "@keyflow/db";
import { DEMO_MARKETS, installDemoMarket } from "../src/data/demoMarket";
import { candleFingerprint } from "../src/results/fingerprint";

const REPEAT = 7;
const dir = mkdtempSync(join(tmpdir(), "keyflow-bench-fp-"));
const db = openDatabase(dir);
try {
  installDemoMarket(db);
  const market = DEMO_MARKETS[0]!;
  const series = db.candles.find(market)!;
  const best = (f: () => unknown) => {
    let min = Infinity;
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      f();
      min = Math.min(min, performance.now() - t);
    }
    return min;
  };
  const candles = db.candles.read(series.id);
  const read = best(() => db.candles.read(series.id));
  const hash = best(() => candleFingerprint(market, { from: 0, to: 8.64e15 }, candles));
  const checks = best(() => candleChecks(candles));
  console.log(`Run pinning on ${candles.length.toLocaleString("en-US")} candles (${market.timeframe}), best of ${REPEAT}`);
  console.log(`| step | time | ratio to reading the candles |`);
  console.log(`| --- | --- | --- |`);
  console.log(`| read from the store | ${read.toFixed(1)} ms | 1.00× |`);
  console.log(`| content hash (every run) | ${hash.toFixed(1)} ms | ${(hash / read).toFixed(2)}× |`);
  console.log(`| per-candle checks (export) | ${checks.toFixed(1)} ms | ${(checks / read).toFixed(2)}× |`);
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
