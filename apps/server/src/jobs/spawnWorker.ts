import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Options for threads that run the engine (backtests, sweeps). A run keeps every trade it makes
 * alive until it ends, so with V8's default young generation most scavenges copy a live trade list;
 * a larger one lets most of them find the runs before it already dead (sweeps: ~15 % less CPU per
 * combination). It is a ceiling: the space grows only as far as a thread needs.
 */
export const ENGINE_WORKER: WorkerOptions = { resourceLimits: { maxYoungGenerationSizeMb: 96 } };

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
    return new Worker(built, ENGINE_WORKER);
  }
  return new Worker(new URL("./backtestWorker.dev.mjs", import.meta.url), ENGINE_WORKER);
}
