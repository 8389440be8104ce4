import { ComboEvaluator, localRunner, type Candles, type ChunkRunner, type FlowGraph, type SweepParam } from "@keyflow/core";

/** What every chunk of one sweep shares: sent once to each worker, not with every chunk. */
export interface SweepJobData {
  flow: FlowGraph;
  params: SweepParam[];
  candles: Candles;
}

/** One sweep's connection to a backend: run chunks through `runner`, at most `parallel` at once. */
export interface SweepSession {
  runner: ChunkRunner;
  parallel: number;
  /** Largest indicator cache a worker held, in bytes (after the runs). */
  peakCacheBytes(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Where sweep chunks run. Worker threads in this process (threadBackend) or a BullMQ queue served by `keyflow worker`
 * processes (bullBackend, when KEYFLOW_REDIS_URL is set; see backendFromEnv).
 * A chunk's result depends only on the chunk and the job data, so any backend gives the same sweep.
 */
/** What a queue backend reports for Settings: workers connected and its chunks by state. */
export interface QueueStats {
  workers: number;
  waiting: number;
  active: number;
  failed: number;
}

export interface SweepBackend {
  /** `signal`: the sweep was cancelled; a queue drops the chunks still waiting and stops waiting for the rest. */
  open(job: SweepJobData, opts?: { signal?: AbortSignal }): Promise<SweepSession>;
  /** A queue's state; absent for backends in this process. */
  queue?(): Promise<QueueStats>;
  /** Stops whatever the backend keeps running (threads, connections). */
  close(): Promise<void>;
}

/** Chunks run in this thread, one at a time (tests, and as the reference the others must equal). */
export const localBackend: SweepBackend = {
  async open(job) {
    const evaluator = new ComboEvaluator(job.flow, job.params, job.candles);
    return { runner: localRunner(evaluator), parallel: 1, peakCacheBytes: async () => evaluator.peakCacheBytes, close: async () => undefined };
  },
  async close() {},
};
