/**
 * The queue's overhead: the 1,000-combination grid over one year of 1m candles through BullMQ with
 * 1 and 2 `keyflow worker` processes (one thread each) against worker threads in this process with
 * the same number of cores (target: within 1.3×). Needs Debian's redis-server; skipped without it.
 * KEYFLOW_BENCH_QUEUE_BARS shortens the candles for a quick look.   pnpm --filter @keyflow/server bench
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generateDemoCandles, getTemplate, runSweep, sweepSettingsSchema, sweepSpace, type Candles, type FlowGraph } from "@keyflow/core";
import { Queue } from "bullmq";
import { bullBackend } from "../src/research/bullBackend";
import { redisConnection, SWEEP_QUEUE } from "../src/research/bullProtocol";
import type { SweepBackend } from "../src/research/sweepBackend";
import { threadBackend } from "../src/research/threadBackend";
import { startRedis, startWorkerProcess } from "../test/redisServer";

if (spawnSync("redis-server", ["--version"]).error) {
  console.log("\nQueue sweeps: skipped (no redis-server; apt-get install redis-server)\n");
  process.exit(0);
}

const bars = Number(process.env.KEYFLOW_BENCH_QUEUE_BARS ?? 525_600);
const candles = generateDemoCandles({ seed: 42, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars });
const template = getTemplate("sma-cross")!.flow;
const ranges: Record<string, FlowGraph["nodes"][number]["ranges"]> = { fast: { period: { from: 5, to: 54, step: 1 } }, slow: { period: { from: 20, to: 39, step: 1 } } };
const flow: FlowGraph = { ...template, nodes: template.nodes.map((n) => (ranges[n.id] ? { ...n, ranges: ranges[n.id] } : n)) };

/** Wall time of one sweep, opening the backend (threads started, candles sent) included. */
async function timed(backend: SweepBackend, c: Candles) {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const t0 = performance.now();
  const session = await backend.open({ flow, params: space.params, candles: c });
  const out = await runSweep(space.params, sweepSettingsSchema.parse({}), c.length, session.runner, { parallel: session.parallel });
  await session.close();
  if (!out.ok) throw new Error(out.error);
  return { ms: performance.now() - t0, finals: out.result.rows.map((r) => r.metrics?.finalEquity) };
}

const redis = await startRedis();
const dataDir = mkdtempSync(join(tmpdir(), "keyflow-bench-workers-"));
const fmt = (ms: number) => (ms / 1000).toFixed(2);
console.log(`\nQueue sweeps — ${availableParallelism()} cores; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`1,000-combination grid (fast 5..54 × slow 20..39), ${bars.toLocaleString("en-US")} 1m bars, each once (compare ratios)\n`);
console.log("| cores | worker threads here | BullMQ + keyflow workers | ratio (target ≤ 1.3×) |");
console.log("| --- | --- | --- | --- |");
const children: ChildProcess[] = [];
try {
  for (const n of [1, 2]) {
    const threads = threadBackend({ threads: n });
    const here = await timed(threads, candles);
    await threads.close();
    while (children.length < n) children.push((await startWorkerProcess({ url: redis.url, dataDir: join(dataDir, `w${children.length}`), args: ["--concurrency", "1"] })).child);
    // As many chunks in flight as cores: the chunks are as big as the threads get (8 per slot, at most 50 combinations).
    // Finished chunks stay in the queue (a re-run sweep takes them from there): start empty.
    const old = new Queue(SWEEP_QUEUE, { connection: redisConnection(redis.url) });
    await old.obliterate({ force: true });
    await old.close();
    const queue = bullBackend({ url: redis.url, inflight: n });
    const viaQueue = await timed(queue, candles);
    await queue.close();
    if (viaQueue.finals.some((f, k) => f !== here.finals[k])) throw new Error("the queue's sweep disagrees with the threads'");
    console.log(`| ${n} | ${fmt(here.ms)} s | ${fmt(viaQueue.ms)} s | ${(viaQueue.ms / here.ms).toFixed(2)}× |`);
  }
} finally {
  for (const c of children) c.kill("SIGKILL");
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log("");
