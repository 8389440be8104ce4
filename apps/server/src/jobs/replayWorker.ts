import type { Worker } from "node:worker_threads";
import type { BacktestChart } from "@keyflow/db";
import type { WindowRequest, WorkerMessage } from "./workerProtocol";

interface Pending {
  resolve: (c: BacktestChart) => void;
  reject: (e: Error) => void;
}

/**
 * One backtest worker that replays finished runs for windows at bar resolution (`backtests.window`).
 * A single thread, so the run it replayed last is still there for the next window of it. Started
 * on the first request; a crash fails the requests in flight and the next request starts another.
 */
export class ReplayWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  constructor(private readonly spawn: () => Worker) {}

  request(req: Omit<WindowRequest, "type" | "id">, transfer: ArrayBuffer[]): Promise<BacktestChart> {
    const w = this.worker ?? this.start();
    const id = ++this.seq;
    return new Promise<BacktestChart>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held open while a request is in flight only.
      w.ref();
      w.postMessage({ ...req, type: "window", id } satisfies WindowRequest, transfer);
    });
  }

  close(): void {
    void this.worker?.terminate();
  }

  private start(): Worker {
    const w = this.spawn();
    this.worker = w;
    const settle = (id: number, f: (p: Pending) => void) => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      f(p);
      if (this.pending.size === 0) w.unref();
    };
    const failAll = (message: string) => {
      if (this.worker === w) this.worker = null;
      for (const id of [...this.pending.keys()]) settle(id, (p) => p.reject(new Error(message)));
    };
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "window") settle(m.id, (p) => p.resolve(m.chart));
      else if (m.type === "error" && m.id !== undefined) settle(m.id, (p) => p.reject(new Error(`The replay of this backtest failed: ${m.message}`)));
    });
    w.on("error", (e) => failAll(`The replay worker crashed: ${e.message}`));
    w.on("exit", (code) => failAll(`The replay worker stopped unexpectedly (exit code ${code}).`));
    w.unref();
    return w;
  }
}
