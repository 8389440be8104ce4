// The `keyflow worker` side of the queue: takes sweep chunks from BullMQ and runs them on worker threads.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Worker as Thread } from "node:worker_threads";
import { Worker, type Job } from "bullmq";
import type { PackedCandles } from "../jobs/workerProtocol";
import { candleKey, decompressCandles, encodeRuns, redisConnection, SWEEP_QUEUE, type ChunkJobData } from "./bullProtocol";
import { Lane, spawnSweepWorker } from "./threadBackend";

export interface SweepWorkerOptions {
  url: string;
  /** Chunks run at once, one worker thread each. */
  concurrency: number;
  /** Where fetched candles are kept (gzip, by hash), so a restarted worker does not fetch them again. */
  cacheDir: string;
  /** How soon a chunk whose worker died goes back to the queue (BullMQ's lock duration), ms. */
  stallMs?: number;
  prefix?: string;
  log?: (line: string) => void;
  spawn?: () => Thread;
}

export interface SweepWorker {
  /** Combinations this worker has run. */
  runs(): number;
  close(): Promise<void>;
}

/** Candles by hash: memory, then the disk cache, then Redis (once per worker and series). */
function candleStore(cacheDir: string, fetch: (hash: string) => Promise<string | null>, log: (line: string) => void) {
  const memory = new Map<string, Promise<PackedCandles>>();
  const load = async (hash: string): Promise<PackedCandles> => {
    const file = join(cacheDir, `${hash}.gz`);
    if (existsSync(file)) {
      try {
        const c = decompressCandles(readFileSync(file), hash);
        log(`candles ${hash.slice(0, 12)}: ${c.length} bars from the disk cache`);
        return c;
      } catch {
        // A damaged cache file: fetch again.
      }
    }
    const stored = await fetch(hash);
    if (stored === null) throw new Error(`candles ${hash.slice(0, 12)} are no longer in Redis; start the sweep again`);
    const c = decompressCandles(stored, hash);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(`${file}.tmp`, Buffer.from(stored, "base64"));
    renameSync(`${file}.tmp`, file);
    log(`candles ${hash.slice(0, 12)}: ${c.length} bars fetched from Redis`);
    return c;
  };
  return (hash: string): Promise<PackedCandles> => {
    let p = memory.get(hash);
    if (!p) {
      p = load(hash);
      p.catch(() => memory.delete(hash));
      memory.set(hash, p);
      // A few series at a time is plenty: sweeps come one after another.
      if (memory.size > 4) memory.delete(memory.keys().next().value!);
    }
    return p;
  };
}

/**
 * Serves the sweep queue until closed. Each of `concurrency` slots owns a worker thread that keeps
 * the last sweep's flow, candles and indicator cache; BullMQ renews the chunks' locks from this
 * (idle) main thread, retries failed chunks with back-off and hands a dead worker's chunks to others.
 */
export async function startSweepWorker(opts: SweepWorkerOptions): Promise<SweepWorker> {
  const log = opts.log ?? (() => {});
  const spawn = opts.spawn ?? spawnSweepWorker;
  const slots = Array.from({ length: opts.concurrency }, () => ({ lane: new Lane(spawn()), sweep: "" }));
  const idle = [...slots];
  let runs = 0;
  const stallMs = opts.stallMs ?? 30_000;
  const candles = candleStore(opts.cacheDir, async (hash) => (await worker.client).get(candleKey(hash)), log);

  const runJob = async (job: Job<ChunkJobData>): Promise<string> => {
    const d = job.data;
    const packed = await candles(d.candles);
    const slot = idle.pop();
    if (!slot) throw new Error("no idle worker thread (concurrency mismatch)");
    try {
      if (!slot.lane.alive) slot.lane = new Lane(spawn());
      if (slot.sweep !== d.sweep) {
        slot.sweep = "";
        await slot.lane.ask({ type: "init", flow: d.flow, params: d.params, candles: packed });
        slot.sweep = d.sweep;
      }
      log(`start ${job.id} (${d.chunk.combos.length} combinations)`);
      const reply = await slot.lane.ask({ type: "chunk", chunk: d.chunk });
      if (reply.type !== "runs") throw new Error(`unexpected reply ${reply.type}`);
      runs += reply.runs.length;
      log(`done ${job.id} · ${runs} combinations run by this worker`);
      return encodeRuns(reply.runs);
    } finally {
      idle.push(slot);
    }
  };

  const worker = new Worker<ChunkJobData, string>(SWEEP_QUEUE, runJob, {
    connection: redisConnection(opts.url),
    prefix: opts.prefix ?? "bull",
    concurrency: opts.concurrency,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    // Stalls come from dead workers; a chunk may outlive several before it fails for good.
    maxStalledCount: 10,
  });
  worker.on("failed", (job, e) => log(`failed ${job?.id ?? "?"}: ${e.message}`));
  worker.on("error", (e) => log(`queue: ${e.message}`));
  await worker.waitUntilReady();
  log(`ready: ${opts.concurrency} thread(s)`);
  return {
    runs: () => runs,
    async close() {
      await worker.close();
      await Promise.all(slots.map((s) => s.lane.worker.terminate()));
    },
  };
}
