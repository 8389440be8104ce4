/**
 * Sweeps: a 100-combination SMA grid on the real BTC 1h candles, on worker threads (one per core)
 * with indicator series shared, against the same 100 backtests run one after another without
 * sharing; then a 1,000-combination grid over one year of 1m candles; and the indicator cache's
 * peak memory.   pnpm --filter @keyflow/server bench
 */
import { availableParallelism, loadavg } from "node:os";
import { backtest, compileFlow, applyCombo, generateDemoCandles, getTemplate, gridCombos, runSweep, sweepSettingsSchema, sweepSpace, TIMEFRAME_MS, type Candles, type FlowGraph } from "@keyflow/core";
import { loadSharedCsv } from "@keyflow/core/test/sharedData";
import { localBackend, type SweepBackend } from "../src/research/sweepBackend";
import { threadBackend } from "../src/research/threadBackend";

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

function ranged(fast: [number, number], slow: [number, number]): FlowGraph {
  const flow = getTemplate("sma-cross")!.flow;
  return {
    ...flow,
    nodes: flow.nodes.map((n) =>
      n.id === "fast" ? { ...n, ranges: { period: { from: fast[0], to: fast[1], step: 1 } } } : n.id === "slow" ? { ...n, ranges: { period: { from: slow[0], to: slow[1], step: 1 } } } : n,
    ),
  };
}

/** One sweep through a backend: wall time with and without opening it (thread start, candles sent). */
async function sweepOnce(backend: SweepBackend, flow: FlowGraph, candles: Candles) {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const t0 = performance.now();
  const session = await backend.open({ flow, params: space.params, candles });
  const t1 = performance.now();
  const out = await runSweep(space.params, sweepSettingsSchema.parse({}), candles.length, session.runner, { parallel: session.parallel });
  const t2 = performance.now();
  const peak = await session.peakCacheBytes();
  await session.close();
  if (!out.ok) throw new Error(out.error);
  return { totalMs: t2 - t0, runMs: t2 - t1, peak, result: out.result };
}

/** The same combinations as plain backtests, one after another, nothing shared. */
function unshared(flow: FlowGraph, candles: Candles): { ms: number; finals: number[] } {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const grid = gridCombos(space.params);
  if (!grid.ok) throw new Error(grid.error);
  const t0 = performance.now();
  const finals = grid.combos.map((c) => {
    const f = applyCombo(flow, space.params, c);
    const compiled = compileFlow(f);
    if (!compiled.ok) throw new Error("compile");
    return backtest(compiled.spec, candles, f.settings, { hash: compiled.hash, timeframeMs: TIMEFRAME_MS[f.market.timeframe] }).metrics.finalEquity;
  });
  return { ms: performance.now() - t0, finals };
}

const cores = availableParallelism();
const threads = threadBackend();
console.log(`\nSweeps — ${cores} cores, ${cores} worker threads; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} (the 100-grid best of 3, the 1,000-grid once; compare ratios)\n`);

const btc = loadSharedCsv("binance-BTCUSDT-1h.csv");
const grid100 = ranged([5, 14], [20, 29]);
let threaded = { totalMs: Infinity, runMs: Infinity, peak: 0 };
let local = Infinity;
let plain = Infinity;
let check: number[] = [];
for (let round = 0; round < 3; round++) {
  const t = await sweepOnce(threads, grid100, btc);
  threaded = { totalMs: Math.min(threaded.totalMs, t.totalMs), runMs: Math.min(threaded.runMs, t.runMs), peak: Math.max(threaded.peak, t.peak) };
  const l = await sweepOnce(localBackend, grid100, btc);
  local = Math.min(local, l.runMs);
  const u = unshared(grid100, btc);
  plain = Math.min(plain, u.ms);
  check = u.finals;
  // Same answers, or the timing means nothing.
  if (t.result.rows.some((row, k) => row.metrics!.finalEquity !== check[k])) throw new Error("threaded sweep disagrees with plain backtests");
  if (l.result.rows.some((row, k) => row.metrics!.finalEquity !== check[k])) throw new Error("shared sweep disagrees with plain backtests");
}
console.log(`100-combination grid (fast 5..14 × slow 20..29), BTC/USDT 1h, ${fmt(btc.length)} bars (target < 300 ms)`);
console.log(`| how | wall | ratio to 100 unshared backtests |`);
console.log(`| --- | --- | --- |`);
console.log(`| 100 backtests one after another, nothing shared | ${fmt(plain)} ms | 1.00× |`);
console.log(`| sweep, this thread, indicators shared | ${fmt(local)} ms | ${(local / plain).toFixed(2)}× |`);
console.log(`| sweep, ${cores} worker threads, shared (after the job is sent) | ${fmt(threaded.runMs)} ms | ${(threaded.runMs / plain).toFixed(2)}× |`);
console.log(`| sweep, ${cores} worker threads, shared, sending the job too (threads kept between sweeps) | ${fmt(threaded.totalMs)} ms | ${(threaded.totalMs / plain).toFixed(2)}× |`);
console.log(`  indicator cache peak: ${fmt(threaded.peak / 2 ** 20, 2)} MiB per worker`);

const year = generateDemoCandles({ seed: 42, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: 525_600 });
const grid1000 = ranged([5, 54], [20, 39]);
let big = { totalMs: Infinity, runMs: Infinity, peak: 0 };
for (let round = 0; round < 1; round++) {
  const t = await sweepOnce(threads, grid1000, year);
  big = { totalMs: Math.min(big.totalMs, t.totalMs), runMs: Math.min(big.runMs, t.runMs), peak: Math.max(big.peak, t.peak) };
}
// A sample of the same runs without sharing, scaled: 1,000 one-year backtests take too long to run whole in a bench.
const sampleFlow = ranged([5, 14], [20, 20]);
const sample = unshared(sampleFlow, year);
const plainEstimate = (sample.ms / 10) * 1000;
console.log(`\n1,000-combination grid (fast 5..54 × slow 20..39), one year of 1m (generated, ${fmt(year.length)} bars) (target < 10 s)`);
console.log(`  ${cores} worker threads: ${fmt(big.totalMs / 1000, 2)} s with thread start (${fmt(big.runMs / 1000, 2)} s running), ${fmt((1000 * year.length) / (big.runMs / 1000) / 1e6, 1)} M bar-runs/s`);
console.log(`  unshared, one after another (10 measured, ×100): ~${fmt(plainEstimate / 1000, 1)} s → ratio ${(big.totalMs / plainEstimate).toFixed(2)}×`);
console.log(`  indicator cache peak: ${fmt(big.peak / 2 ** 20, 1)} MiB per worker (bound 256 MiB; 70 SMA series × ${fmt((year.length * 8) / 2 ** 20, 1)} MiB)\n`);
await threads.close();
