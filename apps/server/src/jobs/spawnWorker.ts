import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Starts the backtest worker. Built server: dist/worker.js next to dist/main.js. From source
 * (tsx, vitest): the .ts entry, loaded through tsx's ESM hooks.
 */
export function spawnBacktestWorker(): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  if (!fromSource) {
    const built = new URL("./worker.js", import.meta.url);
    if (!existsSync(fileURLToPath(built))) throw new Error(`Backtest worker missing at ${fileURLToPath(built)}; run \`pnpm build\`.`);
    return new Worker(built);
  }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return new Worker(new URL("./backtestWorker.ts", import.meta.url), { execArgv: ["--import", tsx] });
}
