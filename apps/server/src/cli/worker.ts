// `keyflow worker`: runs sweep chunks from the BullMQ queue at KEYFLOW_REDIS_URL on worker threads.
// Needs Redis, and optionally the Keyflow server for candles; loads the engine, bullmq and nothing else.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { dataDirFromEnv } from "../dataDir";
import { startSweepWorker } from "../research/bullWorker";
import { CliError } from "./subcommands";

const USAGE = `Usage: keyflow worker [--concurrency N] [--stall-ms 30000]

Takes sweep and walk-forward chunks from the queue at KEYFLOW_REDIS_URL (redis://host:6379) and runs
them (and Monte Carlo jobs), one worker thread per chunk; start as many workers, on as many machines,
as you like. Candles are fetched once per series and cached in KEYFLOW_DATA_DIR/cache/candles: from
the Keyflow server at KEYFLOW_SERVER_URL when set (with KEYFLOW_WORKER_TOKEN when that server is not
on loopback), else from Redis.

  --concurrency      chunks run at once (worker threads)                                 [one per core]
  --stall-ms         how soon a chunk of a worker that died is given to another, in ms  [30000]`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a whole number above 0, not "${text}".\n\n${USAGE}`);
  return n;
}

export async function runWorkerCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { concurrency: { type: "string" }, "stall-ms": { type: "string" }, help: { type: "boolean", short: "h", default: false } } }));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const url = process.env.KEYFLOW_REDIS_URL?.trim();
    if (!url) throw new CliError(`Set KEYFLOW_REDIS_URL to the Redis the Keyflow server uses (e.g. redis://127.0.0.1:6379).\n\n${USAGE}`);
    const concurrency = positiveInt("--concurrency", values.concurrency, availableParallelism());
    const stallMs = positiveInt("--stall-ms", values["stall-ms"], 30_000);
    const log = (line: string) => process.stderr.write(`[worker ${process.pid}] ${line}\n`);
    const serverUrl = process.env.KEYFLOW_SERVER_URL?.trim();
    if (serverUrl && !/^https?:\/\//.test(serverUrl)) throw new CliError(`KEYFLOW_SERVER_URL must be the Keyflow server's address, e.g. http://10.0.0.5:5177, not "${serverUrl}".`);
    const token = process.env.KEYFLOW_WORKER_TOKEN?.trim() || undefined;
    const server = serverUrl ? { url: serverUrl, ...(token ? { token } : {}) } : undefined;
    const worker = await startSweepWorker({ url, concurrency, stallMs, cacheDir: join(dataDirFromEnv(), "cache", "candles"), log, ...(server ? { server } : {}) });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    log("stopping: finishing the chunks in hand");
    await worker.close();
    log(`stopped after ${worker.runs()} combinations`);
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
