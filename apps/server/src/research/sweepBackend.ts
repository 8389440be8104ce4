import { ComboEvaluator, localRunner, type Candles, type ChunkRunner, type FlowGraph, type MonteCarloResult, type MonteCarloSettings, type SweepParam } from "@keyflow/core";

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
  /** Where the queue is (redis://host:port, never a password). */
  at: string;
  /** false: Redis did not answer (the counts are then 0). */
  reachable: boolean;
  workers: number;
  waiting: number;
  active: number;
  failed: number;
}

export interface OpenOptions {
  /** The sweep was cancelled; a queue drops the chunks still waiting and stops waiting for the rest. */
  signal?: AbortSignal;
  /** What the sweep waits for before its first chunk can go out (the queue unreachable), null once it goes. */
  onWait?: (waitingFor: string | null) => void;
  /** Combinations finished inside chunks still running (workers report them as they go). */
  onPartial?: (combos: number) => void;
}

export interface SweepBackend {
  /**
   * Chunks live outside this process (a queue): a sweep outlives the server. On close its sessions
   * end with SweepDetached and their chunks stay queued, so a new server can pick the sweep up.
   */
  durable?: boolean;
  open(job: SweepJobData, opts?: OpenOptions): Promise<SweepSession>;
  /** Monte Carlo where the chunks run (a queue's workers); absent: in this process. */
  monteCarlo?(initialCash: number, pnls: number[], settings: MonteCarloSettings): Promise<MonteCarloResult>;
  /** Packed candles (gzip) of an open sweep by content hash, for workers fetching them from this server. */
  candles?(hash: string): Buffer | undefined;
  /** A queue's state; absent for backends in this process. */
  queue?(): Promise<QueueStats>;
  /** Stops whatever the backend keeps running (threads, connections). */
  close(): Promise<void>;
}

/** A durable backend closed under a running sweep: its chunks stay queued for the next server. */
export class SweepDetached extends Error {
  constructor() {
    super("The server stopped; the sweep stays in the queue and goes on when it starts again.");
    this.name = "SweepDetached";
  }
}

/** Chunks run in this thread, one at a time (tests, and as the reference the others must equal). */
export const localBackend: SweepBackend = {
  async open(job) {
    const evaluator = new ComboEvaluator(job.flow, job.params, job.candles);
    return { runner: localRunner(evaluator), parallel: 1, peakCacheBytes: async () => evaluator.peakCacheBytes, close: async () => undefined };
  },
  async close() {},
};
