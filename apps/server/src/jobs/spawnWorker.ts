import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starts the backtest worker. Built server: dist/worker.js next to dist/main.js (this code may sit in
 * dist/chunks/). From source (tsx, vitest): a small .mjs entry that registers tsx and loads the .ts entry.
 */
export function spawnBacktestWorker(): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  if (!fromSource) {
    const candidates = [new URL("./worker.js", import.meta.url), new URL("../worker.js", import.meta.url)];
    const built = candidates.find((u) => existsSync(fileURLToPath(u)));
    if (!built) throw new Error(`Backtest worker missing at ${fileURLToPath(candidates[0]!)}; run \`pnpm build\`.`);
    return new Worker(built);
  }
  return new Worker(new URL("./backtestWorker.dev.mjs", import.meta.url));
}
