/**
 * Backtest throughput: one-year-1m backtests through the server's own path (startRun → worker
 * pool → stored result), first one at a time, then 16 at once, in the same process. Reports runs/s,
 * p95 latency (queue + run + store) and both as ratios to the sequential single run.
 */
import { rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { generateDemoCandles, getTemplate, type FlowGraph } from "@keyflow/core";
import { startRun } from "../src/backtest/startRun";
import { createCaller } from "../src/router/root";
import { createContext } from "../src/trpc";
import { createServices } from "../src/services";
import { tempDir } from "../test/helpers";

const YEAR_OF_1M = 525_600;
const CONCURRENT = 16;

export async function throughputBench(): Promise<void> {
  const dir = tempDir("keyflow-bench-");
  const services = createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir: dir }, { demo: false });
  try {
    const market = { exchange: "bench", symbol: "BTC/USDT", timeframe: "1m" as const };
    services.db.candles.importCandles(market, "csv", generateDemoCandles({ seed: 7, timeframe: "1m", start: Date.UTC(2023, 0, 1), bars: YEAR_OF_1M }));
    const flow: FlowGraph = { ...structuredClone(getTemplate("sma-cross")!.flow), market };

    /** Starts a run and resolves with its latency, start call to stored result. */
    const one = async (): Promise<number> => {
      const t = performance.now();
      const { runId } = startRun(services, { flow });
      for await (const p of services.backtests.progress(runId)) {
        if (p.status === "failed" || p.status === "cancelled") throw new Error(p.error ?? p.status);
        if (p.status === "done") break;
      }
      return performance.now() - t;
    };

    // Warm every worker (thread start, JIT) before measuring.
    await Promise.all(Array.from({ length: availableParallelism() }, one));
    const sequential: number[] = [];
    for (let i = 0; i < 5; i++) sequential.push(await one());
    const single = median(sequential);

    const inWorker = (n: number) => median(services.db.backtests.listRecent(n).map((r) => r.durationMs ?? 0));
    const aloneInWorker = inWorker(5);
    const t = performance.now();
    const elu = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const latencies = await Promise.all(Array.from({ length: CONCURRENT }, one));
    const mainBusy = performance.eventLoopUtilization(elu).utilization;
    const cpu = process.cpuUsage(cpu0);
    // CPU of every thread per run: what the batch costs whatever else the machine is doing.
    const cpuPerRun = (cpu.user + cpu.system) / 1000 / CONCURRENT;
    const wall = performance.now() - t;
    const batchInWorker = inWorker(CONCURRENT);
    const p95 = quantile(latencies, 0.95);
    const rate = CONCURRENT / (wall / 1000);
    const run = services.db.backtests.listRecent(1)[0]!;
    // What the results view fetches: the run with its packed trades and chart, as JSON.
    const caller = createCaller(createContext(services));
    let getMs = Infinity;
    let getBytes = 0;
    for (let i = 0; i < 5; i++) {
      const g = performance.now();
      getBytes = JSON.stringify(await caller.backtests.get({ runId: run.id })).length;
      getMs = Math.min(getMs, performance.now() - g);
    }

    console.log(`\nBacktest throughput: ${CONCURRENT} concurrent one-year-1m backtests (sma-cross, ${run.metrics?.trades ?? "?"} trades each), ${availableParallelism()} cores`);
    console.log(`| measure | value | ratio to one run alone |`);
    console.log(`| --- | --- | --- |`);
    console.log(`| one run alone (median of 5) | ${single.toFixed(0)} ms | 1.00× |`);
    console.log(`| ${CONCURRENT} at once: p95 latency | ${p95.toFixed(0)} ms | ${(p95 / single).toFixed(2)}× |`);
    console.log(`| ${CONCURRENT} at once: throughput | ${rate.toFixed(2)} runs/s | ${(rate * (single / 1000)).toFixed(2)}× one run's rate |`);
    console.log(`| worker time per run (candles, engine, chart, encoding): alone → in the batch | ${aloneInWorker.toFixed(0)} → ${batchInWorker.toFixed(0)} ms | ${(batchInWorker / aloneInWorker).toFixed(2)}× |`);
    console.log(`| main thread busy during the batch | ${(mainBusy * 100).toFixed(0)} % | |`);
    console.log(`| CPU per run in the batch, all threads (load average ${loadavg()[0]!.toFixed(1)}) | ${cpuPerRun.toFixed(0)} ms → ≈ ${((availableParallelism() * 1000) / cpuPerRun).toFixed(1)} runs/s on ${availableParallelism()} free cores | |`);
    console.log(`| stored size of one run | ${(run.bytes / 1024).toFixed(0)} KB | |`);
    console.log(`| backtests.get of one run: response, main-thread time (best of 5) | ${(getBytes / 1024).toFixed(0)} KB, ${getMs.toFixed(1)} ms | |`);
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}
