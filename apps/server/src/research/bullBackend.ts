// Sweeps through a BullMQ queue on Redis: each chunk a job that any `keyflow worker` may take.
import { Queue, QueueEvents } from "bullmq";
import { SweepCancelled, type ComboRun, type SweepChunk } from "@keyflow/core";
import { packCandles } from "../jobs/workerProtocol";
import { CANDLE_TTL_S, candleBytes, candleKey, compressCandles, decodeRuns, hashBytes, redisConnection, SWEEP_QUEUE, type ChunkJobData } from "./bullProtocol";
import type { QueueStats, SweepBackend, SweepSession } from "./sweepBackend";
import { copyCandles } from "./threadBackend";

export interface BullBackendOptions {
  url: string;
  /** Chunks queued at once per sweep (also sets the chunk size: fewer in flight, bigger chunks). */
  inflight?: number;
  /** Tries per chunk (a failed or stalled chunk is retried with exponential back-off). */
  attempts?: number;
  /** BullMQ key prefix (tests). */
  prefix?: string;
}

/** States a chunk may sit in before a worker takes it: what cancel removes. */
const NOT_STARTED = ["waiting", "delayed", "prioritized", "paused"] as const;

/** Removes the sweep's chunks no worker has taken yet; returns how many. */
export async function removeWaitingChunks(queue: Queue<ChunkJobData>, sweep: string): Promise<number> {
  let removed = 0;
  for (const job of await queue.getJobs([...NOT_STARTED])) {
    if (job?.data.sweep !== sweep) continue;
    // A worker may have taken it meanwhile (then it is locked and stays); it finishes harmlessly.
    if (await job.remove().then(() => true, () => false)) removed++;
  }
  return removed;
}

/**
 * The queue backend. A chunk's job id is the sweep's content hash plus the chunk's: adding it twice
 * (a retry, the same sweep after a server restart) finds the job already there, and a chunk's runs
 * are taken from its one completed job, so a chunk counts once however often workers ran it.
 * The candles go to Redis once per sweep, gzip-compressed, under their hash.
 */
export function bullBackend(opts: BullBackendOptions): SweepBackend {
  const connection = redisConnection(opts.url);
  const prefix = opts.prefix ?? "bull";
  let parts: Promise<{ queue: Queue<ChunkJobData>; events: QueueEvents }> | null = null;
  const connect = () => {
    if (!parts) {
      parts = (async () => {
        const queue = new Queue<ChunkJobData>(SWEEP_QUEUE, { connection, prefix });
        const events = new QueueEvents(SWEEP_QUEUE, { connection, prefix });
        await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
        return { queue, events };
      })();
      // A failed connection is tried again by the next sweep.
      parts.catch(() => (parts = null));
    }
    return parts;
  };

  return {
    async open(job, { signal } = {}): Promise<SweepSession> {
      const { queue, events } = await connect();
      const bytes = candleBytes(packCandles(copyCandles(job.candles)));
      const candles = hashBytes(bytes);
      await (await queue.client).set(candleKey(candles), compressCandles(bytes), { EX: CANDLE_TTL_S });
      const sweep = hashBytes(JSON.stringify([job.flow, job.params, candles])).slice(0, 24);

      let stopped = false;
      let stop!: (e: Error) => void;
      const halted = new Promise<never>((_, reject) => (stop = reject));
      halted.catch(() => undefined);
      let removal: Promise<unknown> | null = null;
      // Stops waiting at once; close() waits for the removal of the chunks still queued.
      const halt = () => {
        stopped = true;
        stop(new SweepCancelled());
        return (removal ??= removeWaitingChunks(queue, sweep));
      };
      const onAbort = () => void halt();
      signal?.addEventListener("abort", onAbort, { once: true });

      return {
        parallel: Math.max(1, opts.inflight ?? 8),
        async runner(chunk: SweepChunk): Promise<ComboRun[]> {
          if (stopped) throw new SweepCancelled();
          const jobId = `${sweep}-${hashBytes(JSON.stringify(chunk)).slice(0, 24)}`;
          const added = await queue.add("chunk", { sweep, flow: job.flow, params: job.params, candles, chunk }, {
            jobId,
            attempts: opts.attempts ?? 5,
            backoff: { type: "exponential", delay: 1000 },
            removeOnComplete: { age: 3600 },
            removeOnFail: { age: 86_400 },
          });
          if (stopped) {
            await added.remove().catch(() => undefined);
            throw new SweepCancelled();
          }
          // The same chunk failed for good in an earlier run of this sweep: give it another go.
          if ((await queue.getJobState(jobId)) === "failed") await added.retry("failed");
          const encoded = (await Promise.race([added.waitUntilFinished(events), halted])) as string;
          return decodeRuns(encoded);
        },
        peakCacheBytes: async () => 0,
        async close() {
          signal?.removeEventListener("abort", onAbort);
          await halt();
        },
      };
    },
    async queue(): Promise<QueueStats> {
      const { queue } = await connect();
      const [workers, counts] = await Promise.all([queue.getWorkersCount(), queue.getJobCounts("waiting", "delayed", "prioritized", "active", "failed")]);
      return { workers, waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, failed: counts.failed ?? 0 };
    },
    async close() {
      if (!parts) return;
      const { queue, events } = await parts;
      parts = null;
      await Promise.all([events.close(), queue.close()]);
    },
  };
}
