// Sweeps through BullMQ on a real redis-server with `keyflow worker` processes (run from source).
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoCandles, getTemplate, mulberry32, runSweep, runWalkForward, walkForwardSettingsSchema, SweepCancelled, sweepSettingsSchema, sweepSpace, type Candles, type FlowGraph } from "@keyflow/core";
import { bullBackend } from "../src/research/bullBackend";
import { redisConnection, SWEEP_QUEUE, type ChunkJobData } from "../src/research/bullProtocol";
import { localBackend, type SweepBackend } from "../src/research/sweepBackend";
import { startRedis, startWorkerProcess, type TestRedis } from "./redisServer";

let redis: TestRedis;
let dataDir = "";
const workers: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  dataDir = mkdtempSync(join(tmpdir(), "keyflow-workers-"));
});

afterAll(async () => {
  await Promise.all(
    workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((resolve) => (w.once("exit", resolve), w.kill("SIGTERM"))) : undefined)),
  );
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A `keyflow worker` process (one thread, quick stall detection) whose stderr lines collect in `log`. */
async function startWorker(name: string) {
  const w = await startWorkerProcess({ url: redis.url, dataDir: join(dataDir, name), args: ["--concurrency", "1", "--stall-ms", "1000"] });
  workers.push(w.child);
  return w;
}

const idsOf = (log: string[], word: "start" | "done") => log.flatMap((l) => l.match(new RegExp(`\\] ${word} (\\S+)`))?.[1] ?? []);

function ranged(fast: number[], slow: number[]): FlowGraph {
  const flow = getTemplate("sma-cross")!.flow;
  return { ...flow, nodes: flow.nodes.map((n) => (n.id === "fast" ? { ...n, ranges: { period: { values: fast } } } : n.id === "slow" ? { ...n, ranges: { period: { values: slow } } } : n)) };
}
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

async function sweep(on: SweepBackend, flow: FlowGraph, candles: Candles, opts: { chunkSize?: number; signal?: AbortSignal } = {}) {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const session = await on.open({ flow, params: space.params, candles }, { signal: opts.signal });
  try {
    const out = await runSweep(space.params, sweepSettingsSchema.parse({}), candles.length, session.runner, { parallel: session.parallel, ...opts });
    if (!out.ok) throw new Error(out.error);
    return { rows: out.result.rows, best: out.result.best };
  } finally {
    await session.close();
  }
}

describe("sweeps through BullMQ and keyflow worker processes", () => {
  it("a 400-combination sweep and a walk-forward on two workers equal the same in this thread, and each worker fetched the candles once", async () => {
    const candles = generateDemoCandles({ seed: 4, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 1500 });
    const flow = ranged(range(3, 20), range(25, 20));
    const [a, b] = await Promise.all([startWorker("eq-a"), startWorker("eq-b")]);
    const queue = bullBackend({ url: redis.url });
    try {
      expect(await queue.queue!()).toEqual({ at: redis.url, reachable: true, workers: 2, waiting: 0, active: 0, failed: 0 });
      const viaQueue = await sweep(queue, flow, candles);
      const here = await sweep(localBackend, flow, candles);
      expect(viaQueue.rows).toHaveLength(400);
      expect(viaQueue.rows).toEqual(here.rows);
      expect(viaQueue.best).toBe(here.best);
      // Both took part, every chunk ran once, and the candles crossed once per worker.
      const done = [...idsOf(a.log, "done"), ...idsOf(b.log, "done")];
      expect(idsOf(a.log, "done").length).toBeGreaterThan(0);
      expect(idsOf(b.log, "done").length).toBeGreaterThan(0);
      expect(new Set(done).size).toBe(done.length);
      for (const w of [a, b]) expect(w.log.filter((l) => l.includes("fetched from Redis"))).toHaveLength(1);
      // A walk-forward goes through the same chunks.
      const wf = walkForwardSettingsSchema.parse({ windows: 2, inSampleBars: 600, outOfSampleBars: 300 });
      const walk = async (on: SweepBackend) => {
        const space = sweepSpace(flow);
        if (!space.ok) throw new Error(space.errors.join());
        const session = await on.open({ flow, params: space.params, candles });
        try {
          return await runWalkForward(space.params, sweepSettingsSchema.parse({}), wf, candles.length, session.runner, { parallel: session.parallel });
        } finally {
          await session.close();
        }
      };
      const walked = await walk(queue);
      expect(walked.ok).toBe(true);
      expect(walked).toEqual(await walk(localBackend));
      // The same sweep again (a restarted server, say) finds its chunks done in the queue: no worker needed.
      await Promise.all([a, b].map((w) => new Promise((resolve) => (w.child.once("exit", resolve), w.child.kill("SIGKILL")))));
      const again = bullBackend({ url: redis.url });
      try {
        expect(await sweep(again, flow, candles)).toEqual(here);
      } finally {
        await again.close();
      }
    } finally {
      await queue.close();
      for (const w of [a, b]) w.child.kill("SIGTERM");
    }
  }, 60_000);

  it("workers killed (SIGKILL) mid-chunk, three times, lose nothing: others run their chunks, and each chunk counts once", async () => {
    const candles = generateDemoCandles({ seed: 5, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: 50_000 });
    const flow = ranged(range(5, 10), [30, 40, 50, 60, 70, 80]);
    const queue = bullBackend({ url: redis.url, inflight: 2 });
    const logs: string[][] = [];
    const victims: string[] = [];
    try {
      const running = sweep(queue, flow, candles, { chunkSize: 10 });
      for (let k = 0; k < 3; k++) {
        const w = await startWorker(`kill-${k}`);
        logs.push(w.log);
        // Killed as soon as it reports a chunk started (a chunk is ~10 runs of 50,000 bars).
        victims.push(
          await new Promise<string>((resolve) => {
            const poll = setInterval(() => {
              const id = idsOf(w.log, "start")[0];
              if (id) {
                w.child.kill("SIGKILL");
                clearInterval(poll);
                resolve(id);
              }
            }, 2);
          }),
        );
      }
      const last = await startWorker("kill-last");
      logs.push(last.log);
      const result = await running;
      expect(result).toEqual(await sweep(localBackend, flow, candles, { chunkSize: 10 }));
      const done = logs.flatMap((l) => idsOf(l, "done"));
      for (const [k, victim] of victims.entries()) expect(idsOf(logs[k]!, "done")).not.toContain(victim);
      for (const victim of victims) expect(done).toContain(victim);
      expect(done).toHaveLength(6);
      expect(new Set(done).size).toBe(6);
      last.child.kill("SIGTERM");
    } finally {
      await queue.close();
    }
  }, 60_000);

  it("a worker SIGKILLed at ten seeded random moments, started again each time: the sweep completes with every combination exactly once, as in this thread", async () => {
    // 128 chunks of 3 runs over 400,000 bars (~8 s of one worker's time here): far more than ten victims
    // can do (each lives < 600 ms after its first chunk starts, 2.9 s in all with this seed), even with a
    // faster engine on a quiet machine. (32 chunks were done by the victims alone once the engine got faster.)
    const candles = generateDemoCandles({ seed: 8, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: 400_000 });
    const flow = ranged(range(5, 48), [30, 40, 50, 60, 70, 80, 90, 100]);
    const combos = 48 * 8;
    const queue = bullBackend({ url: redis.url, inflight: 3 });
    const random = mulberry32(16);
    const moments: number[] = [];
    const logs: string[][] = [];
    try {
      const running = sweep(queue, flow, candles, { chunkSize: 3 });
      let finished = false;
      void running.then(() => (finished = true), () => (finished = true));
      // Each victim dies at a random moment within 600 ms of taking its first chunk: mid-chunk or between chunks.
      for (let k = 0; k < 10 && !finished; k++) {
        const victim = await startWorker(`victim-${k}`);
        logs.push(victim.log);
        while (idsOf(victim.log, "start").length === 0) await new Promise((r) => setTimeout(r, 2));
        const ms = Math.floor(random() * 600);
        moments.push(ms);
        await new Promise((r) => setTimeout(r, ms));
        await new Promise((resolve) => (victim.child.once("exit", resolve), victim.child.kill("SIGKILL")));
      }
      expect(finished).toBe(false);
      expect(moments).toHaveLength(10);
      const finishers = await Promise.all([startWorker("finish-a"), startWorker("finish-b")]);
      const result = await running;
      // Some victims died mid-chunk: a chunk they started did not finish with them.
      const started = logs.flatMap((l) => idsOf(l, "start").filter((id) => !idsOf(l, "done").includes(id)));
      expect(started.length).toBeGreaterThan(0);
      expect(result.rows).toHaveLength(combos);
      expect(new Set(result.rows.map((r) => JSON.stringify(r.combo))).size).toBe(combos);
      expect(result).toEqual(await sweep(localBackend, flow, candles, { chunkSize: 3 }));
      for (const f of finishers) f.child.kill("SIGTERM");
    } finally {
      await queue.close();
    }
  }, 180_000);

  it("Redis stopped for 2 s mid-sweep: the workers and the server reconnect and the sweep completes", async () => {
    const candles = generateDemoCandles({ seed: 7, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: 50_000 });
    const flow = ranged(range(5, 10), [30, 40, 50, 60]);
    const w = await startWorker("outage");
    const queue = bullBackend({ url: redis.url, inflight: 2 });
    try {
      const running = sweep(queue, flow, candles, { chunkSize: 5 });
      while (idsOf(w.log, "done").length === 0) await new Promise((r) => setTimeout(r, 5));
      let finished = false;
      void running.then(() => (finished = true));
      await redis.restart(2000);
      // Redis went down mid-sweep: the sweep could not have finished while it was down.
      expect(finished).toBe(false);
      expect(await running).toEqual(await sweep(localBackend, flow, candles, { chunkSize: 5 }));
      w.child.kill("SIGTERM");
    } finally {
      await queue.close();
    }
  }, 60_000);

  it("cancel removes the sweep's waiting chunks", async () => {
    const prefix = "cancel-test";
    const candles = generateDemoCandles({ seed: 6, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 500 });
    const flow = ranged(range(3, 10), range(25, 10));
    // No worker serves this prefix: the chunks wait until cancelled.
    const backend = bullBackend({ url: redis.url, prefix, inflight: 4 });
    const inspect = new Queue<ChunkJobData>(SWEEP_QUEUE, { connection: redisConnection(redis.url), prefix });
    const abort = new AbortController();
    try {
      const running = sweep(backend, flow, candles, { signal: abort.signal });
      const outcome = running.then(() => "finished", (e: unknown) => e);
      while ((await inspect.getWaitingCount()) < 4) await new Promise((r) => setTimeout(r, 10));
      expect(await backend.queue!()).toMatchObject({ workers: 0, waiting: 4, active: 0 });
      abort.abort();
      expect(await outcome).toBeInstanceOf(SweepCancelled);
      expect(await inspect.getWaitingCount()).toBe(0);
      expect(await inspect.getDelayedCount()).toBe(0);
    } finally {
      await inspect.close();
      await backend.close();
    }
  }, 30_000);
});
