import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starts the backtest worker. Built server: dist/worker.js next to dist/main.js. From source
 * (tsx, vitest): a small .mjs entry that registers tsx and loads the .ts entry.
 */
export function spawnBacktestWorker(): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  if (!fromSource) {
    const built = new URL("./worker.js", import.meta.url);
    if (!existsSync(fileURLToPath(built))) throw new Error(`Backtest worker missing at ${fileURLToPath(built)}; run \`pnpm build\`.`);
    return new Worker(built);
  }
  return new Worker(new URL("./backtestWorker.dev.mjs", import.meta.url));
}
