import { EventEmitter } from "node:events";
import type { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { WorkerPool } from "../src/jobs/workerPool";

class FakeWorker extends EventEmitter {
  terminated = false;
  refd = true;
  ref() {
    this.refd = true;
  }
  unref() {
    this.refd = false;
  }
  async terminate() {
    this.terminated = true;
    this.emit("exit", 1);
    return 1;
  }
}

function pool(keep = 1) {
  const spawned: FakeWorker[] = [];
  const p = new WorkerPool(() => {
    const w = new FakeWorker();
    spawned.push(w);
    return w as unknown as Worker;
  }, keep);
  return { p, spawned };
}

describe("backtest worker pool", () => {
  it("starts a worker ahead of time and hands the same one out again after a clean run", () => {
    const { p, spawned } = pool();
    p.warm();
    expect(spawned).toHaveLength(1);
    expect(spawned[0]!.refd).toBe(false); // idle workers never hold the process open
    const a = p.acquire();
    expect(a).toBe(spawned[0]);
    expect(spawned[0]!.refd).toBe(true);
    p.release(a);
    expect(p.acquire()).toBe(a);
    expect(spawned).toHaveLength(1);
  });

  it("starts more workers when several runs overlap, but keeps only `keep` idle", () => {
    const { p, spawned } = pool(1);
    const a = p.acquire();
    const b = p.acquire();
    expect(a).not.toBe(b);
    p.release(a);
    p.release(b);
    expect(spawned.filter((w) => w.terminated)).toHaveLength(1);
  });

  it("keeps up to one idle worker per slot, and warms only as many as asked", () => {
    const { p, spawned } = pool(2);
    p.warm(1);
    expect(spawned).toHaveLength(1);
    const [a, b, c] = [p.acquire(), p.acquire(), p.acquire()];
    expect(new Set([a, b, c]).size).toBe(3);
    for (const w of [a, b, c]) p.release(w);
    expect(spawned.filter((w) => w.terminated)).toHaveLength(1);
    p.warm();
    expect(spawned).toHaveLength(3);
  });

  it("forgets a worker that dies while idle, and terminates idle ones on close", async () => {
    const { p, spawned } = pool(1);
    p.warm();
    await (spawned[0] as FakeWorker).terminate();
    const w = p.acquire();
    expect(w).not.toBe(spawned[0]);
    p.release(w);
    p.close();
    expect((w as unknown as FakeWorker).terminated).toBe(true);
    const late = p.acquire();
    p.release(late);
    expect((late as unknown as FakeWorker).terminated).toBe(true);
  });
});
