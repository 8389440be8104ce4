/**
 * CLI start-up first, then run pinning (fingerprint.ts), candle download (download.ts) and backtest throughput (throughput.ts). CLI start-up: the built `keyflow backtest` on the real BTC 1h candles, as a ratio to a bare
 * `node -e 0` measured in the same run (the machine's own process start-up), best of 7 each.
 *   pnpm --filter @keyflow/server bench   (after pnpm build)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { downloadBench } from "./download";
import { throughputBench } from "./throughput";

const REPEAT = 7;
const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
if (!existsSync(main)) throw new Error("apps/server/dist/main.js is missing: run `pnpm build` first.");
const csv = sharedDataFile("binance-BTCUSDT-1h.csv");

function best(args: string[]): number {
  let min = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const bare = best(["-e", "0"]);
const backtest = best([main, "backtest", "sma-cross", "--data", csv, "--json"]);
console.log("CLI start-up (best of 7)");
console.log(`| command | time | ratio to node -e 0 |`);
console.log(`| --- | --- | --- |`);
console.log(`| node -e 0 | ${bare.toFixed(0)} ms | 1.00× |`);
console.log(`| keyflow backtest sma-cross --data BTC 1h --json | ${backtest.toFixed(0)} ms | ${(backtest / bare).toFixed(2)}× |`);
console.log("");
await import("./fingerprint");

await downloadBench();

await throughputBench();
