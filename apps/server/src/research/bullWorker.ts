// The `keyflow worker` side of the queue: takes sweep chunks from BullMQ and runs them on worker threads.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Worker as Thread } from "node:worker_threads";
import { Worker, type Job } from "bullmq";
import type { PackedCandles } from "../jobs/workerProtocol";
import { KEYFLOW_CLIENT_HEADER, monteCarlo, type MonteCarloResult } from "@keyflow/core";
import { candleKey, decompressCandles, encodeRuns, redisConnection, SWEEP_QUEUE, WORKER_CANDLES_PATH, type ChunkJobData, type MonteCarloJobData, type QueueJobData } from "./bullProtocol";
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
  /**
   * The Keyflow server that started the sweeps: candles are fetched from it first (KEYFLOW_SERVER_URL),
   * with `token` (KEYFLOW_WORKER_TOKEN) when it is not on loopback; Redis's copy is the fallback.
   */
  server?: { url: string; token?: string };
  log?: (line: string) => void;
  spawn?: () => Thread;
}

export interface SweepWorker {
  /** Combinations this worker has run. */
  runs(): number;
  close(): Promise<void>;
}

/** A fetched copy of packed candles (gzip) and where it came from. */
type Fetched = { gz: Buffer; from: string } | null;

/** The candles from the Keyflow server's worker route; null when it does not have them. Refusals throw. */
export async function fetchFromServer(server: { url: string; token?: string }, hash: string): Promise<Buffer | null> {
  const res = await fetch(new URL(`${WORKER_CANDLES_PATH}${hash}`, server.url), {
    headers: { [KEYFLOW_CLIENT_HEADER]: "worker", ...(server.token ? { authorization: `Bearer ${server.token}` } : {}) },
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`the Keyflow server refused the candles (${res.status}): ${(await res.text()).trim()}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Candles by hash: memory, then the disk cache, then the server or Redis (once per worker and series). */
function candleStore(cacheDir: string, fetch: (hash: string) => Promise<Fetched>, log: (line: string) => void) {
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
    if (stored === null) throw new Error(`candles ${hash.slice(0, 12)} are no longer on the server or in Redis; start the sweep again`);
    const c = decompressCandles(stored.gz, hash);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(`${file}.tmp`, stored.gz);
    renameSync(`${file}.tmp`, file);
    log(`candles ${hash.slice(0, 12)}: ${c.length} bars fetched from ${stored.from}`);
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
  const fromRedis = async (hash: string): Promise<Fetched> => {
    const s = await (await worker.client).get(candleKey(hash));
    return s === null ? null : { gz: Buffer.from(s, "base64"), from: "Redis" };
  };
  const server = opts.server;
  const candles = candleStore(
    opts.cacheDir,
    async (hash) => {
      if (!server) return fromRedis(hash);
      try {
        const gz = await fetchFromServer(server, hash);
        if (gz) return { gz, from: "the server" };
      } catch (e) {
        log(`${e instanceof Error ? e.message : String(e)}; trying Redis`);
      }
      return fromRedis(hash);
    },
    log,
  );

  const runJob = async (job: Job<QueueJobData>): Promise<string | MonteCarloResult> => {
    if (job.name === "montecarlo") {
      const m = job.data as MonteCarloJobData;
      log(`start ${job.id} (Monte Carlo, ${m.settings.runs} runs)`);
      return monteCarlo(m.initialCash, m.pnls, m.settings);
    }
    const d = job.data as ChunkJobData;
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
      // Progress within the chunk, at most every 250 ms (each report is a Redis call).
      let reported = 0;
      slot.lane.onProgress = (done) => {
        if (performance.now() - reported < 250) return;
        reported = performance.now();
        void job.updateProgress(done).catch(() => undefined);
      };
      const reply = await slot.lane.ask({ type: "chunk", chunk: d.chunk });
      if (reply.type !== "runs") throw new Error(`unexpected reply ${reply.type}`);
      runs += reply.runs.length;
      log(`done ${job.id} · ${runs} combinations run by this worker`);
      return encodeRuns(reply.runs);
    } finally {
      slot.lane.onProgress = null;
      idle.push(slot);
    }
  };

  const worker = new Worker<QueueJobData, string | MonteCarloResult>(SWEEP_QUEUE, runJob, {
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
