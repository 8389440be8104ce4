import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { allocCandles, type Candles, type ComboRun, type SweepChunk } from "@keyflow/core";
import { packCandles } from "../jobs/workerProtocol";
import type { SweepBackend, SweepJobData, SweepSession } from "./sweepBackend";
import type { SweepReply, SweepRequest } from "./sweepProtocol";

/**
 * A sweep thread runs backtest after backtest, each keeping its trade list alive until it ends: with
 * V8's default young generation most scavenges copy a live trade list, a larger one lets most of them
 * find the earlier runs' trades already dead (~15 % less CPU per combination in-process). A ceiling:
 * the space grows only as far as the thread needs.
 */
const SWEEP_THREAD: WorkerOptions = { resourceLimits: { maxYoungGenerationSizeMb: 96 } };

/** Built: dist/sweepWorker.js beside main.js (this code may sit in dist/chunks/). From source: the .mjs shim. */
export function spawnSweepWorker(): Worker {
  if (import.meta.url.endsWith(".ts")) return new Worker(new URL("./sweepWorker.dev.mjs", import.meta.url), SWEEP_THREAD);
  const candidates = [new URL("./sweepWorker.js", import.meta.url), new URL("../sweepWorker.js", import.meta.url)];
  const built = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!built) throw new Error(`Sweep worker missing at ${fileURLToPath(candidates[0]!)}; run \`pnpm build\`.`);
  return new Worker(built, SWEEP_THREAD);
}

/** The candles in buffers of their own (a view of a longer series would drag the rest along). */
export function copyCandles(c: Candles): Candles {
  const out = allocCandles(c.length);
  for (const f of ["time", "open", "high", "low", "close", "volume"] as const) out[f].set(c[f]);
  return out;
}

/** One worker and the reply it is waiting for. */
export class Lane {
  private waiting: { resolve: (m: SweepReply) => void; reject: (e: Error) => void } | null = null;
  private dead: Error | null = null;

  get alive(): boolean {
    return this.dead === null;
  }

  constructor(readonly worker: Worker) {
    worker.on("message", (m: SweepReply) => {
      const w = this.waiting;
      this.waiting = null;
      if (m.type === "error") w?.reject(new Error(m.message));
      else w?.resolve(m);
    });
    const fail = (e: Error) => {
      this.dead = e;
      this.waiting?.reject(e);
      this.waiting = null;
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`sweep worker stopped (exit code ${code})`)));
    // Idle between sweeps: it must not keep the process alive.
    worker.unref();
  }

  ask(req: SweepRequest, transfer?: ArrayBuffer[]): Promise<SweepReply> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(req, transfer);
    });
  }
}

/**
 * Sweeps on worker threads in this process, one per core by default. The threads stay up between
 * sweeps (starting one and loading the engine costs more than many runs, and a reused thread keeps
 * its JIT warm); each sweep sends them its job, and frees its indicator cache when it closes. One
 * sweep at a time: a second `open` waits for the first to close.
 */
export function threadBackend(opts: { threads?: number; spawn?: () => Worker } = {}): SweepBackend {
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  const spawn = opts.spawn ?? spawnSweepWorker;
  let lanes: Lane[] = [];
  let turn: Promise<void> = Promise.resolve();
  let closed = false;
  return {
    async open(job: SweepJobData): Promise<SweepSession> {
      let done!: () => void;
      const previous = turn;
      turn = new Promise<void>((resolve) => (done = resolve));
      await previous;
      if (closed) {
        done();
        throw new Error("The sweep backend is closed.");
      }
      // Replace threads that died since the last sweep.
      lanes = lanes.filter((l) => l.alive);
      while (lanes.length < threads) lanes.push(new Lane(spawn()));
      const mine = [...lanes];
      for (const l of mine) l.worker.ref();
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await Promise.all(mine.map((l) => (l.alive ? l.ask({ type: "release" }).catch(() => undefined) : undefined)));
        for (const l of mine) l.worker.unref();
        done();
      };
      try {
        // Each worker gets its own copy of the candles (a transfer would take them from the next).
        // Packed from a copy: the candles may be a view of a longer series (the part before a
        // locked hold-out), and the rest must not travel with them.
        const candles = packCandles(copyCandles(job.candles));
        await Promise.all(mine.map((l) => l.ask({ type: "init", flow: job.flow, params: job.params, candles })));
      } catch (e) {
        await release();
        throw e;
      }
      const idle = [...mine];
      const queue: ((l: Lane) => void)[] = [];
      const acquire = () => new Promise<Lane>((resolve) => (idle.length ? resolve(idle.pop()!) : queue.push(resolve)));
      const putBack = (l: Lane) => {
        const next = queue.shift();
        if (next) next(l);
        else idle.push(l);
      };
      return {
        parallel: threads,
        async runner(chunk: SweepChunk): Promise<ComboRun[]> {
          const lane = await acquire();
          try {
            const reply = await lane.ask({ type: "chunk", chunk });
            if (reply.type !== "runs") throw new Error(`unexpected reply ${reply.type}`);
            return reply.runs;
          } finally {
            putBack(lane);
          }
        },
        async peakCacheBytes() {
          let peak = 0;
          for (const l of mine) {
            const r = await l.ask({ type: "peak" });
            if (r.type === "peak") peak = Math.max(peak, r.bytes);
          }
          return peak;
        },
        close: release,
      };
    },
    async close() {
      closed = true;
      await Promise.all(lanes.map((l) => l.worker.terminate()));
      lanes = [];
    },
  };
}
