import type { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { generateDemoCandles, getTemplate, runSweep, sweepSettingsSchema, sweepSpace, type FlowGraph } from "@keyflow/core";
import { localBackend, type SweepBackend } from "../src/research/sweepBackend";
import { spawnSweepWorker, threadBackend } from "../src/research/threadBackend";

const spawned: Worker[] = [];
const backend = threadBackend({
  threads: 2,
  spawn: () => {
    const w = spawnSweepWorker();
    spawned.push(w);
    return w;
  },
});
afterAll(() => backend.close());

function ranged(id: string, node: string, values: number[]): FlowGraph {
  const flow = getTemplate(id)!.flow;
  return { ...flow, nodes: flow.nodes.map((n) => (n.id === node ? { ...n, ranges: { period: { values } } } : n)) };
}

async function sweep(on: SweepBackend, flow: FlowGraph, seed: number) {
  const candles = generateDemoCandles({ seed, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 1500 });
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const session = await on.open({ flow, params: space.params, candles });
  try {
    const out = await runSweep(space.params, sweepSettingsSchema.parse({}), candles.length, session.runner, { parallel: session.parallel, chunkSize: 2 });
    if (!out.ok) throw new Error(out.error);
    return out.result.rows.map((r) => r.metrics);
  } finally {
    await session.close();
  }
}

describe("worker-thread sweep backend", () => {
  it("keeps its threads between sweeps, gives what this thread gives, and replaces a thread that died", async () => {
    const a = ranged("sma-cross", "fast", [4, 6, 8, 10, 12]);
    const b = ranged("ema-cross-stops", "fast", [5, 9, 13]);
    expect(await sweep(backend, a, 1)).toEqual(await sweep(localBackend, a, 1));
    expect(await sweep(backend, b, 2)).toEqual(await sweep(localBackend, b, 2));
    expect(spawned).toHaveLength(2);
    await spawned[0]!.terminate();
    expect(await sweep(backend, a, 3)).toEqual(await sweep(localBackend, a, 3));
    expect(spawned).toHaveLength(3);
  }, 60_000);

  it("runs two sweeps open at once on the same threads, each giving what this thread gives", async () => {
    const a = ranged("sma-cross", "fast", [4, 6, 8, 10, 12]);
    const b = ranged("ema-cross-stops", "fast", [5, 9, 13]);
    const [ra, rb] = await Promise.all([sweep(backend, a, 4), sweep(backend, b, 5)]);
    expect(ra).toEqual(await sweep(localBackend, a, 4));
    expect(rb).toEqual(await sweep(localBackend, b, 5));
  }, 60_000);
});
