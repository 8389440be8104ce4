// `pnpm bench` (core): the engine against a hand-written loop for the same strategy, in one process.
import { allocCandles, backtest, compile, computeMetrics, generateDemoCandles, getTemplate, sliceCandles, type Candles } from "../src";
import { hasSharedDataFile, loadSharedCsv, sharedDataDir } from "../test/sharedData";
import { generatedYear1m, YEAR_1M } from "./generatedYear";
import { handSmaCross, type HandTrade } from "./handwritten";
import { vectorisedSmaCross } from "./vectorised";

const BTC_1M = "binance-BTCUSDT-1m.csv";

/** The real 3 weeks of BTC 1m candles, tiled end to end (each copy rescaled to continue from the last close). */
function tileReal(bars: number): Candles | null {
  if (!hasSharedDataFile(BTC_1M)) return null;
  const src = loadSharedCsv(BTC_1M);
  const c = allocCandles(bars);
  let scale = 1;
  for (let i = 0; i < bars; i++) {
    const j = i % src.length;
    if (j === 0 && i > 0) scale = c.close[i - 1]! / src.open[0]!;
    c.time[i] = src.time[0]! + i * 60_000;
    c.open[i] = src.open[j]! * scale;
    c.high[i] = src.high[j]! * scale;
    c.low[i] = src.low[j]! * scale;
    c.close[i] = src.close[j]! * scale;
    c.volume[i] = src.volume[j]!;
  }
  return c;
}

/** Same entry and exit times and quantities, trade by trade. */
function sameTrades(a: readonly HandTrade[], b: readonly HandTrade[]): boolean {
  return a.length === b.length && a.every((t, i) => t.entryTime === b[i]!.entryTime && t.exitTime === b[i]!.exitTime && t.qty === b[i]!.qty);
}

/**
 * CPU time of the process (user + system) in ms. The machine is shared: under other people's load
 * the wall time of one run stretches by whatever the scheduler gives away (ratios from it swung
 * between 0.5× and 3.6× from run to run), while the CPU time a run consumes barely moves.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = cpuMs();
    fn();
    min = Math.min(min, cpuMs() - t);
  }
  return min;
}

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

const real = tileReal(YEAR_1M);
const candles = real ?? generatedYear1m();
console.log(`\nEngine vs hand-written loop — ${fmt(candles.length)} 1m bars (${real ? `real BTC/USDT 1m from ${sharedDataDir()}, tiled to 1 year` : `generated: ${BTC_1M} not found in ${sharedDataDir()}`})\n`);
console.log(
  "The hand-written loop is timed twice: producing trades only, and producing what the engine produces\n" +
    "(trades, the equity curve and the same metrics, computed by the same function).\n",
);
console.log(
  "A third yardstick, written as a vectorised numpy script would be (whole-series passes over typed arrays,\n" +
    "then a walk over the crossing bars), produces trades only.\n",
);
console.log("Times are CPU ms (user + system) of the best of 30 interleaved runs; ratios are engine ÷ yardstick.\n");
console.log("case                     engine ms   engine bars/s | hand, same output: ms   ratio | hand, trades only: ms   ratio | vectorised: ms   ratio | trades");

for (const [id, rsi] of [
  ["sma-cross", 0],
  ["sma-cross-rsi-filter", 14],
] as const) {
  const flow = getTemplate(id)!.flow;
  const r = compile(flow);
  if (!r.ok) throw new Error(`${id} does not compile`);
  const { initialCash, feeRate } = flow.settings;
  // Same trades first: a fast loop that trades differently measures nothing.
  const e = backtest(r.spec, candles, flow.settings);
  const h = handSmaCross(candles, 10, 20, initialCash, feeRate, rsi);
  if (!sameTrades(e.trades, h.trades)) throw new Error(`${id}: engine and hand-written loop disagree (${e.trades.length} vs ${h.trades.length} trades)`);
  const vec = vectorisedSmaCross(candles, 10, 20, initialCash, feeRate, rsi);
  if (!sameTrades(e.trades, vec)) throw new Error(`${id}: engine and vectorised baseline disagree (${e.trades.length} vs ${vec.length} trades)`);
  const handFull = () => {
    const res = handSmaCross(candles, 10, 20, initialCash, feeRate, rsi, 70, true);
    return computeMetrics({
      initialCash,
      equity: res.equity!,
      time: candles.time,
      close: candles.close,
      trades: e.trades,
      barsInMarket: res.barsInMarket,
      fees: res.fees,
      firstTradableBar: res.firstTradableBar,
      timeframeMs: 60_000,
    });
  };
  const hm = handFull();
  if (Math.abs(hm.maxDrawdownPct - e.metrics.maxDrawdownPct) > 1e-9 || Math.abs(hm.sharpe - e.metrics.sharpe) > 1e-9 || hm.backtestingPy.buyHoldReturnPct !== e.metrics.backtestingPy.buyHoldReturnPct) {
    throw new Error(`${id}: hand-written equity curve disagrees with the engine's`);
  }
  // Interleave to share the machine's noise fairly; keep the best of each.
  let engineMs = Infinity;
  let fullMs = Infinity;
  let tradesMs = Infinity;
  let vecMs = Infinity;
  for (let round = 0; round < 30; round++) {
    // One run of each per round, interleaved, so that the same load falls on all four.
    engineMs = Math.min(engineMs, best(1, () => backtest(r.spec, candles, flow.settings, { hash: r.hash })));
    fullMs = Math.min(fullMs, best(1, handFull));
    tradesMs = Math.min(tradesMs, best(1, () => handSmaCross(candles, 10, 20, initialCash, feeRate, rsi)));
    vecMs = Math.min(vecMs, best(1, () => vectorisedSmaCross(candles, 10, 20, initialCash, feeRate, rsi)));
  }
  const n = candles.length;
  console.log(
    `${id.padEnd(24)} ${fmt(engineMs).padStart(9)}   ${fmt((n / engineMs) * 1000).padStart(13)} | ${fmt(fullMs).padStart(21)}   ${(engineMs / fullMs).toFixed(2)}x | ${fmt(tradesMs).padStart(21)}   ${(engineMs / tradesMs).toFixed(2)}x | ${fmt(vecMs).padStart(14)}   ${(engineMs / vecMs).toFixed(2)}x | ${e.trades.length}`,
  );
}

// Ten years of generated 1m candles: throughput and memory (columns are 6 × 8 bytes per bar).
const rssBefore = process.memoryUsage().rss;
const tenYears = generateDemoCandles({ seed: 7, timeframe: "1m", start: Date.UTC(2015, 0, 1), bars: YEAR_1M * 10 });
const flow = getTemplate("sma-cross-rsi-filter")!.flow;
const r = compile(flow);
if (!r.ok) throw new Error("compile");
let peak = process.memoryUsage().rss;
let ms = Infinity;
let res = backtest(r.spec, sliceCandles(tenYears, 0, YEAR_1M), flow.settings); // warm-up
for (let round = 0; round < 3; round++) {
  const t0 = cpuMs();
  res = backtest(r.spec, tenYears, flow.settings, {
    progressEvery: 500_000,
    onProgress: () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  ms = Math.min(ms, cpuMs() - t0);
}
console.log(
  `\n10 years of 1m (generated, ${fmt(tenYears.length)} bars), sma-cross-rsi-filter, best of 3: ${fmt(ms)} CPU ms = ${fmt((tenYears.length / ms) * 1000)} bars/s, ${res.trades.length} trades`,
);
console.log(
  `  peak RSS ${fmt(Math.max(peak, process.memoryUsage().rss) / 2 ** 20)} MiB (was ${fmt(rssBefore / 2 ** 20)} MiB before generating; candles ${fmt((tenYears.length * 48) / 2 ** 20)} MiB + equity ${fmt((tenYears.length * 8) / 2 ** 20)} MiB)`,
);
console.log(`  maxRSS of the process: ${fmt(process.resourceUsage().maxRSS / 1024)} MiB\n`);
