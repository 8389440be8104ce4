/**
 * Sweeps: a 100-combination SMA grid on the real BTC 1h candles, on worker threads (one per core)
 * with indicator series shared, against the same 100 backtests run one after another without
 * sharing; then a 1,000-combination grid over one year of 1m candles; and the indicator cache's
 * peak memory.   pnpm --filter @keyflow/server bench
 */
import { availableParallelism, loadavg } from "node:os";
import { backtest, compileFlow, applyCombo, generateDemoCandles, headlineMetrics, SeriesCache, simulate, getTemplate, gridCombos, runSweep, sweepSettingsSchema, sweepSpace, TIMEFRAME_MS, type Candles, type FlowGraph } from "@keyflow/core";
import { loadSharedCsv } from "@keyflow/core/test/sharedData";
import { localBackend, type SweepBackend } from "../src/research/sweepBackend";
import { threadBackend } from "../src/research/threadBackend";

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

type Ranges = Record<string, Record<string, { from: number; to: number; step: number }>>;

function ranged(template: string, ranges: Ranges): FlowGraph {
  const flow = getTemplate(template)!.flow;
  return { ...flow, nodes: flow.nodes.map((n) => (ranges[n.id] ? { ...n, ranges: ranges[n.id] } : n)) };
}

/** CPU time of this process (user + system), in ms: steadier than wall time on a shared machine. */
function cpuMs(fn: () => unknown): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** One sweep through a backend: wall time with and without opening it (thread start, candles sent). */
async function sweepOnce(backend: SweepBackend, flow: FlowGraph, candles: Candles) {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const t0 = performance.now();
  const session = await backend.open({ flow, params: space.params, candles });
  const t1 = performance.now();
  const c0 = process.cpuUsage();
  const out = await runSweep(space.params, sweepSettingsSchema.parse({}), candles.length, session.runner, { parallel: session.parallel });
  const c = process.cpuUsage(c0);
  const t2 = performance.now();
  const peak = await session.peakCacheBytes();
  await session.close();
  if (!out.ok) throw new Error(out.error);
  return { totalMs: t2 - t0, runMs: t2 - t1, cpu: (c.user + c.system) / 1000, peak, result: out.result };
}

/** The same combinations as plain backtests, one after another, nothing shared. */
function unshared(flow: FlowGraph, candles: Candles): { ms: number; cpu: number; finals: number[] } {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const grid = gridCombos(space.params);
  if (!grid.ok) throw new Error(grid.error);
  const t0 = performance.now();
  let finals: number[] = [];
  const cpu = cpuMs(() => {
    finals = grid.combos.map((c) => {
      const f = applyCombo(flow, space.params, c);
      const compiled = compileFlow(f);
      if (!compiled.ok) throw new Error("compile");
      return backtest(compiled.spec, candles, f.settings, { hash: compiled.hash, timeframeMs: TIMEFRAME_MS[f.market.timeframe] }).metrics.finalEquity;
    });
  });
  return { ms: performance.now() - t0, cpu, finals };
}

const cores = availableParallelism();
const threads = threadBackend();
console.log(`\nSweeps — ${cores} cores, ${cores} worker threads; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} (the 100-grid best of 3, the 1,000-grid once; compare ratios)\n`);

const btc = loadSharedCsv("binance-BTCUSDT-1h.csv");
for (const [label, flow] of [
  ["SMA cross, fast 5..14 × slow 20..29", ranged("sma-cross", { fast: { period: { from: 5, to: 14, step: 1 } }, slow: { period: { from: 20, to: 29, step: 1 } } })],
  ["SMA cross + RSI filter, fast 5..14 × RSI limit 50..95 by 5", ranged("sma-cross-rsi-filter", { fast: { period: { from: 5, to: 14, step: 1 } }, calm: { value: { from: 50, to: 95, step: 5 } } })],
] as const) {
  let threaded = { totalMs: Infinity, runMs: Infinity, peak: 0, cpu: Infinity };
  let local = { ms: Infinity, cpu: Infinity };
  let plain = { ms: Infinity, cpu: Infinity };
  for (let round = 0; round < 3; round++) {
    const t = await sweepOnce(threads, flow, btc);
    threaded = { totalMs: Math.min(threaded.totalMs, t.totalMs), runMs: Math.min(threaded.runMs, t.runMs), peak: Math.max(threaded.peak, t.peak), cpu: Math.min(threaded.cpu, t.cpu) };
    const l = await sweepOnce(localBackend, flow, btc);
    local = { ms: Math.min(local.ms, l.runMs), cpu: Math.min(local.cpu, l.cpu) };
    const u = unshared(flow, btc);
    plain = { ms: Math.min(plain.ms, u.ms), cpu: Math.min(plain.cpu, u.cpu) };
    // Same answers, or the timing means nothing.
    if (t.result.rows.some((row, k) => row.metrics!.finalEquity !== u.finals[k])) throw new Error("threaded sweep disagrees with plain backtests");
    if (l.result.rows.some((row, k) => row.metrics!.finalEquity !== u.finals[k])) throw new Error("shared sweep disagrees with plain backtests");
  }
  console.log(`100-combination grid: ${label}; BTC/USDT 1h, ${fmt(btc.length)} bars (target < 300 ms)`);
  console.log(`| how | wall | CPU of this thread | ratio to 100 unshared backtests |`);
  console.log(`| --- | --- | --- | --- |`);
  console.log(`| 100 backtests one after another, nothing shared | ${fmt(plain.ms)} ms | ${fmt(plain.cpu)} ms | 1.00× |`);
  console.log(`| sweep in this thread, indicators shared | ${fmt(local.ms)} ms | ${fmt(local.cpu)} ms | ${(local.cpu / plain.cpu).toFixed(2)}× CPU |`);
  console.log(`| sweep on ${cores} worker threads, shared (after the job is sent) | ${fmt(threaded.runMs)} ms | ${fmt(threaded.cpu)} ms (all threads) | ${(threaded.runMs / plain.ms).toFixed(2)}× wall, ${(threaded.cpu / plain.cpu).toFixed(2)}× CPU |`);
  console.log(`| the same, sending the job too (threads kept between sweeps) | ${fmt(threaded.totalMs)} ms | – | ${(threaded.totalMs / plain.ms).toFixed(2)}× wall |`);
  console.log(`  indicator cache peak: ${fmt(threaded.peak / 2 ** 20, 2)} MiB per worker\n`);
}

const year = generateDemoCandles({ seed: 42, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: 525_600 });

/**
 * One combination as a sweep runs it (shared series, reused equity buffer, headline metrics), with
 * the broker's trade rows and the metrics counted over them, or with its tally only (what sweeps do).
 * Same answer both ways, or the comparison means nothing.
 */
function tradeRowsVsTally(flow: FlowGraph, candles: Candles, count: number) {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join());
  const grid = gridCombos(space.params);
  if (!grid.ok) throw new Error(grid.error);
  const combos = grid.combos.slice(0, count);
  const cache = new SeriesCache(candles);
  const equity = new Float64Array(candles.length);
  const specs = combos.map((c) => {
    const compiled = compileFlow(applyCombo(flow, space.params, c));
    if (!compiled.ok) throw new Error("compile");
    return compiled.spec;
  });
  const settings = flow.settings;
  const once = (keepTrades: boolean) =>
    specs.map((spec) => {
      const run = simulate(spec, candles, settings, { shared: cache.sharedFor(spec), equity, keepTrades });
      const input = { initialCash: settings.initialCash, equity: run.equity, time: candles.time, close: candles.close, barsInMarket: run.tally.inMarket, fees: run.broker.totalFees, firstTradableBar: Math.max(0, run.tally.firstTradable) };
      return headlineMetrics({ ...input, trades: keepTrades ? run.broker.trades : run.broker.tally }, 60_000);
    });
  let rows = Infinity;
  let tally = Infinity;
  for (let round = 0; round < 5; round++) {
    let a: unknown[] = [];
    let b: unknown[] = [];
    rows = Math.min(rows, cpuMs(() => (a = once(true))));
    tally = Math.min(tally, cpuMs(() => (b = once(false))));
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error("the tally's metrics differ from the trade rows'");
  }
  return { rows: rows / count, tally: tally / count };
}

const grid1000 = ranged("sma-cross", { fast: { period: { from: 5, to: 54, step: 1 } }, slow: { period: { from: 20, to: 39, step: 1 } } });
let big = { totalMs: Infinity, runMs: Infinity, peak: 0, cpu: Infinity };
for (let round = 0; round < 1; round++) {
  const t = await sweepOnce(threads, grid1000, year);
  big = { totalMs: Math.min(big.totalMs, t.totalMs), runMs: Math.min(big.runMs, t.runMs), peak: Math.max(big.peak, t.peak), cpu: Math.min(big.cpu, t.cpu) };
}
// A sample of the same runs without sharing, scaled: 1,000 one-year backtests take too long to run whole in a bench.
const sampleFlow = ranged("sma-cross", { fast: { period: { from: 5, to: 14, step: 1 } }, slow: { period: { from: 20, to: 20, step: 1 } } });
const sample = unshared(sampleFlow, year);
const plainEstimate = (sample.ms / 10) * 1000;
console.log(`1,000-combination grid (fast 5..54 × slow 20..39), one year of 1m (generated, ${fmt(year.length)} bars) (target < 10 s)`);
console.log(`  ${cores} worker threads: ${fmt(big.totalMs / 1000, 2)} s with thread start (${fmt(big.runMs / 1000, 2)} s running), ${fmt((1000 * year.length) / (big.runMs / 1000) / 1e6, 1)} M bar-runs/s`);
// On a shared machine the wall time says how much of the cores the others left; the CPU time does not.
console.log(`  CPU of the whole process (main thread + workers): ${fmt(big.cpu / 1000, 1)} s = ${fmt(big.cpu / 1000, 1)} ms per combination; on ${cores} free cores ≈ ${fmt(big.cpu / 1000 / cores, 1)} s wall`);
console.log(`  unshared, one after another (10 measured, ×100): ~${fmt(plainEstimate / 1000, 1)} s → ratio ${(big.totalMs / plainEstimate).toFixed(2)}×`);
console.log(`  indicator cache peak: ${fmt(big.peak / 2 ** 20, 1)} MiB per worker (bound 256 MiB; 70 SMA series × ${fmt((year.length * 8) / 2 ** 20, 1)} MiB)\n`);
{
  // A stretch of the 1,000-grid in this thread, best of 5 interleaved rounds.
  const lean = tradeRowsVsTally(grid1000, year, 20);
  console.log(`One combination of that grid in this thread (20 of them, best of 5 interleaved): broker with trade rows ${fmt(lean.rows, 1)} CPU ms, tally only (sweeps) ${fmt(lean.tally, 1)} CPU ms → ${(lean.tally / lean.rows).toFixed(2)}×\n`);
}
await threads.close();
