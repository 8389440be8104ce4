// Sweeps through a BullMQ queue on Redis: each chunk a job that any `keyflow worker` may take.
import { gzipSync } from "node:zlib";
import { Queue, QueueEvents } from "bullmq";
import { monteCarlo, SweepCancelled, type ComboRun, type MonteCarloResult, type SweepChunk } from "@keyflow/core";
import { packCandles } from "../jobs/workerProtocol";
import {
  CANDLE_TTL_S,
  candleBytes,
  candleKey,
  decodeRuns,
  hashBytes,
  redisConnection,
  shownRedis,
  SWEEP_QUEUE,
  type ChunkJobData,
  type MonteCarloJobData,
  type QueueJobData,
} from "./bullProtocol";
import { SweepDetached, type QueueStats, type SweepBackend, type SweepSession } from "./sweepBackend";
import { copyCandles } from "./threadBackend";

export interface BullBackendOptions {
  url: string;
  /** Chunks queued at once per sweep (also sets the chunk size: fewer in flight, bigger chunks). */
  inflight?: number;
  /** Tries per chunk (a failed or stalled chunk is retried with exponential back-off). */
  attempts?: number;
  /** BullMQ key prefix (tests). */
  prefix?: string;
  /** How long the queue may be unreachable before a sweep says it waits for it, ms (default 1000). */
  waitNoticeMs?: number;
}

/** States a chunk may sit in before a worker takes it: what cancel removes. */
const NOT_STARTED = ["waiting", "delayed", "prioritized", "paused"] as const;

/** Removes the sweep's chunks no worker has taken yet; returns how many. */
export async function removeWaitingChunks(queue: Queue<QueueJobData>, sweep: string): Promise<number> {
  let removed = 0;
  for (const job of await queue.getJobs([...NOT_STARTED])) {
    if (!job || !("sweep" in job.data) || job.data.sweep !== sweep) continue;
    // A worker may have taken it meanwhile (then it is locked and stays); it finishes harmlessly.
    if (await job.remove().then(() => true, () => false)) removed++;
  }
  return removed;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const JOB_OPTIONS = { backoff: { type: "exponential", delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86_400 } } as const;

/**
 * The queue backend. A chunk's job id is the sweep's content hash plus the chunk's: adding it twice
 * (a retry, the same sweep after a server restart) finds the job already there, and a chunk's runs
 * are taken from its one completed job, so a chunk counts once however often workers ran it.
 * The candles go to Redis once per sweep, gzip-compressed, under their hash; workers fetch them from
 * there or from this server (`candles`). Durable: closing leaves a sweep's chunks in the queue.
 */
export function bullBackend(opts: BullBackendOptions): SweepBackend {
  const connection = redisConnection(opts.url);
  const prefix = opts.prefix ?? "bull";
  let closed = false;
  let parts: Promise<{ queue: Queue<QueueJobData>; events: QueueEvents }> | null = null;
  /** The connection made or being made (closed even while it waits for Redis). */
  let current: { queue: Queue<QueueJobData>; events: QueueEvents } | null = null;
  /** Sessions open now: closing the backend detaches them. */
  const sessions = new Set<() => void>();
  /** Packed candles (gzip) of open sweeps by hash, with how many sweeps use them. */
  const served = new Map<string, { gz: Buffer; users: number }>();

  // Redis down: ioredis reconnects by itself; a failed start is tried again every second until it comes.
  const connect = (signal?: AbortSignal) => {
    if (parts) return parts;
    parts = (async () => {
      for (;;) {
        const queue = new Queue<QueueJobData>(SWEEP_QUEUE, { connection, prefix });
        const events = new QueueEvents(SWEEP_QUEUE, { connection, prefix });
        current = { queue, events };
        queue.on("error", () => undefined);
        events.on("error", () => undefined);
        try {
          await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
          return { queue, events };
        } catch (e) {
          await Promise.all([queue.close().catch(() => undefined), events.close().catch(() => undefined)]);
          if (closed || signal?.aborted) throw e;
          await sleep(1000);
        }
      }
    })();
    const mine = parts;
    mine.catch(() => {
      if (parts === mine) parts = null;
    });
    return mine;
  };

  /** Connected, telling `onWait` when that takes longer than a moment. */
  const connected = async (signal?: AbortSignal, onWait?: (w: string | null) => void) => {
    const ready = connect(signal);
    const notice = setTimeout(() => onWait?.(`the queue at ${shownRedis(opts.url)} (start Redis, or unset KEYFLOW_REDIS_URL to sweep here)`), opts.waitNoticeMs ?? 1000);
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new SweepCancelled());
      if (signal?.aborted) onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      return await Promise.race([ready, aborted]);
    } catch (e) {
      // The server stopped while the sweep waited for Redis: the next one picks it up.
      throw closed && !(e instanceof SweepCancelled) ? new SweepDetached() : e;
    } finally {
      clearTimeout(notice);
      signal?.removeEventListener("abort", onAbort);
      onWait?.(null);
    }
  };

  return {
    durable: true,
    async open(job, { signal, onWait, onPartial } = {}): Promise<SweepSession> {
      const { queue, events } = await connected(signal, onWait);
      const bytes = candleBytes(packCandles(copyCandles(job.candles)));
      const candles = hashBytes(bytes);
      const gz = gzipSync(bytes);
      const shelf = served.get(candles) ?? { gz, users: 0 };
      shelf.users++;
      served.set(candles, shelf);
      await (await queue.client).set(candleKey(candles), gz.toString("base64"), { EX: CANDLE_TTL_S });
      const sweep = hashBytes(JSON.stringify([job.flow, job.params, candles])).slice(0, 24);

      let stopped = false;
      let detached = false;
      let stop!: (e: Error) => void;
      const halted = new Promise<never>((_, reject) => (stop = reject));
      halted.catch(() => undefined);
      let removal: Promise<unknown> | null = null;
      // Stops waiting at once; close() waits for the removal of the chunks still queued.
      const halt = () => {
        stopped = true;
        stop(new SweepCancelled());
        return detached ? Promise.resolve() : (removal ??= removeWaitingChunks(queue, sweep));
      };
      const detach = () => {
        detached = true;
        stopped = true;
        stop(new SweepDetached());
      };
      sessions.add(detach);
      const onAbort = () => void halt();
      signal?.addEventListener("abort", onAbort, { once: true });

      // Combinations done inside this sweep's running chunks, from the workers' job.updateProgress.
      const partial = new Map<string, number>();
      const tell = () => {
        let sum = 0;
        for (const n of partial.values()) sum += n;
        onPartial?.(sum);
      };
      const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
        if (!partial.has(jobId) || typeof data !== "number") return;
        partial.set(jobId, data);
        tell();
      };
      events.on("progress", onProgress);
      let released = false;

      return {
        parallel: Math.max(1, opts.inflight ?? 8),
        async runner(chunk: SweepChunk): Promise<ComboRun[]> {
          if (stopped) throw detached ? new SweepDetached() : new SweepCancelled();
          const jobId = `${sweep}-${hashBytes(JSON.stringify(chunk)).slice(0, 24)}`;
          partial.set(jobId, 0);
          try {
            const added = await queue.add("chunk", { sweep, flow: job.flow, params: job.params, candles, chunk } satisfies ChunkJobData, {
              jobId,
              attempts: opts.attempts ?? 5,
              ...JOB_OPTIONS,
            });
            if (stopped && !detached) {
              await added.remove().catch(() => undefined);
              throw new SweepCancelled();
            }
            // The same chunk failed for good in an earlier run of this sweep: give it another go.
            if ((await queue.getJobState(jobId)) === "failed") await added.retry("failed");
            const encoded = (await Promise.race([added.waitUntilFinished(events), halted])) as string;
            return decodeRuns(encoded);
          } finally {
            if (partial.delete(jobId)) tell();
          }
        },
        peakCacheBytes: async () => 0,
        async close() {
          if (released) return;
          released = true;
          signal?.removeEventListener("abort", onAbort);
          events.off("progress", onProgress);
          sessions.delete(detach);
          if (--shelf.users === 0) served.delete(candles);
          await halt();
        },
      };
    },
    // On a worker when one is connected; else here (it takes milliseconds, and nobody should wait for a worker to appear).
    async monteCarlo(initialCash, pnls, settings): Promise<MonteCarloResult> {
      const reached = await Promise.race([connect(), sleep(1000).then(() => null)]).catch(() => null);
      if (!reached || (await reached.queue.getWorkersCount()) === 0) return monteCarlo(initialCash, pnls, settings);
      const { queue, events } = reached;
      const data: MonteCarloJobData = { initialCash, pnls, settings };
      const jobId = `mc-${hashBytes(JSON.stringify(data)).slice(0, 32)}`;
      const added = await queue.add("montecarlo", data, { jobId, attempts: opts.attempts ?? 5, ...JOB_OPTIONS });
      if ((await queue.getJobState(jobId)) === "failed") await added.retry("failed");
      return (await added.waitUntilFinished(events)) as MonteCarloResult;
    },
    candles: (hash) => served.get(hash)?.gz,
    async queue(): Promise<QueueStats> {
      const at = shownRedis(opts.url);
      const unreachable = new Promise<null>((r) => setTimeout(() => r(null), 1500).unref());
      const { queue } = (await Promise.race([connect(), unreachable])) ?? {};
      if (!queue) return { at, reachable: false, workers: 0, waiting: 0, active: 0, failed: 0 };
      const [workers, counts] = await Promise.all([queue.getWorkersCount(), queue.getJobCounts("waiting", "delayed", "prioritized", "active", "failed")]);
      return { at, reachable: true, workers, waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, failed: counts.failed ?? 0 };
    },
    async close() {
      closed = true;
      for (const detach of sessions) detach();
      sessions.clear();
      parts = null;
      const c = current;
      current = null;
      if (c) await Promise.all([c.events.close().catch(() => undefined), c.queue.close().catch(() => undefined)]);
    },
  };
}
