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

/** One worker and the replies it owes, in the order asked (a worker answers each message once, in turn). */
export class Lane {
  private readonly waiting: { resolve: (m: SweepReply) => void; reject: (e: Error) => void }[] = [];
  private dead: Error | null = null;
  /** Sessions whose job this worker holds (see threadBackend). */
  readonly sessions = new Set<string>();
  /** Told how many combinations of the chunk it runs are done, while it runs. */
  onProgress: ((done: number) => void) | null = null;

  get alive(): boolean {
    return this.dead === null;
  }

  constructor(readonly worker: Worker) {
    worker.on("message", (m: SweepReply) => {
      if (m.type === "progress") return void this.onProgress?.(m.done);
      const w = this.waiting.shift();
      if (m.type === "error") w?.reject(new Error(m.message));
      else w?.resolve(m);
    });
    const fail = (e: Error) => {
      this.dead = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`sweep worker stopped (exit code ${code})`)));
    // Idle between sweeps: it must not keep the process alive.
    worker.unref();
  }

  ask(req: SweepRequest, transfer?: ArrayBuffer[]): Promise<SweepReply> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(req, transfer);
    });
  }
}

/**
 * Sweeps on worker threads in this process, one per core by default. The threads stay up between
 * sweeps (starting one and loading the engine costs more than many runs, and a reused thread keeps
 * its JIT warm). Several sweeps may be open at once: they share the threads chunk by chunk, in the
 * order their chunks ask (so each gets its turn); a thread is sent a sweep's job the first time it
 * runs one of its chunks, and frees it (indicator cache and all) when the sweep closes. Cancelling
 * (`signal`) raises a flag the threads read between combinations: running chunks end at once with
 * the runs they made.
 */
export function threadBackend(opts: { threads?: number; spawn?: () => Worker } = {}): SweepBackend {
  const threads = Math.max(1, opts.threads ?? availableParallelism());
  const spawn = opts.spawn ?? spawnSweepWorker;
  const lanes: Lane[] = [];
  const idle: Lane[] = [];
  const queue: ((l: Lane) => void)[] = [];
  let open = 0;
  let serial = 0;
  let closed = false;
  const acquire = () => new Promise<Lane>((resolve) => (idle.length ? resolve(idle.pop()!) : queue.push(resolve)));
  const putBack = (l: Lane) => {
    const next = queue.shift();
    if (next) next(l);
    else idle.push(l);
  };
  /** A dead thread's place goes to a new one (it holds no session yet). */
  const renew = (l: Lane): Lane => {
    if (l.alive) return l;
    const fresh = new Lane(spawn());
    if (open > 0) fresh.worker.ref();
    lanes[lanes.indexOf(l)] = fresh;
    return fresh;
  };
  return {
    async open(job: SweepJobData, o: { signal?: AbortSignal } = {}): Promise<SweepSession> {
      if (closed) throw new Error("The sweep backend is closed.");
      while (lanes.length < threads) {
        const l = new Lane(spawn());
        lanes.push(l);
        idle.push(l);
      }
      if (open++ === 0) for (const l of lanes) l.worker.ref();
      const session = `s${++serial}`;
      // Packed from a copy: the candles may be a view of a longer series (the part before a locked
      // hold-out), and the rest must not travel with them. Each thread gets its own copy of these.
      const candles = packCandles(copyCandles(job.candles));
      const cancel = new SharedArrayBuffer(4);
      const flag = new Int32Array(cancel);
      const raise = () => Atomics.store(flag, 0, 1);
      if (o.signal?.aborted) raise();
      o.signal?.addEventListener("abort", raise, { once: true });
      let released = false;
      return {
        parallel: threads,
        async runner(chunk: SweepChunk): Promise<ComboRun[]> {
          let lane = renew(await acquire());
          try {
            if (!lane.sessions.has(session)) {
              await lane.ask({ type: "init", session, flow: job.flow, params: job.params, candles, cancel });
              lane.sessions.add(session);
            }
            const reply = await lane.ask({ type: "chunk", session, chunk });
            if (reply.type !== "runs") throw new Error(`unexpected reply ${reply.type}`);
            return reply.runs;
          } finally {
            putBack(lane);
          }
        },
        async peakCacheBytes() {
          let peak = 0;
          for (const l of lanes.filter((x) => x.alive && x.sessions.has(session))) {
            const r = await l.ask({ type: "peak", session });
            if (r.type === "peak") peak = Math.max(peak, r.bytes);
          }
          return peak;
        },
        async close() {
          if (released) return;
          released = true;
          o.signal?.removeEventListener("abort", raise);
          // Asked after any chunk still running for this session: answered once it is done.
          await Promise.all(
            lanes.filter((l) => l.sessions.delete(session)).map((l) => (l.alive ? l.ask({ type: "release", session }).catch(() => undefined) : undefined)),
          );
          if (--open === 0) for (const l of lanes) l.worker.unref();
        },
      };
    },
    async close() {
      closed = true;
      await Promise.all(lanes.map((l) => l.worker.terminate()));
      lanes.length = 0;
      idle.length = 0;
    },
  };
}
