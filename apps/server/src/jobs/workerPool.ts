import type { Worker } from "node:worker_threads";

/**
 * Backtest workers kept alive between runs. Starting a thread and loading the engine costs more
 * than a year of 1-minute bars takes to evaluate, and a reused worker also keeps its JIT warm.
 * A worker that is cancelled or fails is terminated, never reused.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private closed = false;

  constructor(
    private readonly spawn: () => Worker,
    /** Idle workers kept ready. */
    private readonly keep = 1,
  ) {}

  /** Starts idle workers now (up to `count`, at most `keep`), so the first backtests do not wait for a thread. */
  warm(count = this.keep): void {
    const want = Math.min(count, this.keep);
    while (!this.closed && this.idle.length < want) this.park(this.start());
  }

  acquire(): Worker {
    const w = this.idle.pop() ?? this.start();
    w.ref();
    return w;
  }

  /** Returns a worker that finished its run cleanly (its own listeners already removed). */
  release(w: Worker): void {
    if (this.closed || this.idle.length >= this.keep) void w.terminate();
    else this.park(w);
  }

  close(): void {
    this.closed = true;
    for (const w of this.idle.splice(0)) void w.terminate();
  }

  private start(): Worker {
    const w = this.spawn();
    // An idle worker that dies (out of memory, a bug) simply leaves the pool.
    w.once("exit", () => {
      const at = this.idle.indexOf(w);
      if (at >= 0) this.idle.splice(at, 1);
    });
    w.on("error", () => undefined);
    return w;
  }

  private park(w: Worker): void {
    // An idle worker must not keep the process alive at shutdown.
    w.unref();
    this.idle.push(w);
  }
}
