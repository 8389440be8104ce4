import { describe, expect, it } from "vitest";
import { compileFlow } from "../src/compile/compile";
import { allocCandles, sliceCandles, type Candles } from "../src/data/candles";
import { generateDemoCandles, mulberry32 } from "../src/data/demo";
import { backtest, simulate } from "../src/engine/backtest";
import { headlineMetrics } from "../src/engine/metrics";
import { buildProgram } from "../src/engine/program";
import { parseFlowDocument } from "../src/flow/migrate";
import { TIMEFRAME_MS, type FlowGraph } from "../src/flow/schema";
import { getTemplate, TEMPLATES } from "../src/templates";
import {
  applyCombo,
  beforeHoldout,
  ComboEvaluator,
  SeriesCache,
  deflatedSharpe,
  expectedMaxSharpe,
  gridCombos,
  heatmap,
  neighbourAverage,
  localRunner,
  monteCarlo,
  pboCscv,
  pickSweepMetrics,
  randomCombos,
  returnStats,
  runCombos,
  runSweep,
  sweepSettingsSchema,
  sweepSpace,
  walkForwardWindows,
  type SweepParam,
} from "../src/research";

const candles = generateDemoCandles({ seed: 7, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 3000 });

function withRanges(id: string, ranges: Record<string, Record<string, { from: number; to: number; step: number } | { values: number[] }>>): FlowGraph {
  const flow = getTemplate(id)!.flow;
  return { ...flow, nodes: flow.nodes.map((n) => (ranges[n.id] ? { ...n, ranges: ranges[n.id] } : n)) };
}

const rsiFlow = withRanges("sma-cross-rsi-filter", {
  fast: { period: { from: 4, to: 16, step: 3 } },
  slow: { period: { values: [18, 25, 30, 40] } },
  rsi: { period: { from: 7, to: 21, step: 7 } },
  calm: { value: { from: 60, to: 80, step: 10 } },
});

function params(flow: FlowGraph): SweepParam[] {
  const space = sweepSpace(flow);
  if (!space.ok) throw new Error(space.errors.join("; "));
  return space.params;
}

/** A plain backtest of one combination: no sharing, nothing from the sweep. */
function single(flow: FlowGraph, p: SweepParam[], combo: number[], c: Candles) {
  const f = applyCombo(flow, p, combo);
  const compiled = compileFlow(f);
  if (!compiled.ok) throw new Error("does not compile");
  return backtest(compiled.spec, c, f.settings, { timeframeMs: TIMEFRAME_MS[f.market.timeframe] });
}

describe("flow format 2: param ranges", () => {
  it("opens a version-1 flow, migrating it", () => {
    const v1 = { ...getTemplate("sma-cross")!.flow, version: 1 };
    const doc = parseFlowDocument(JSON.parse(JSON.stringify(v1)));
    expect(doc.ok && doc.migratedFrom).toBe(1);
    expect(doc.ok && doc.flow.version).toBe(2);
  });

  it("a flow with ranges backtests on its own values", () => {
    const plain = compileFlow(getTemplate("sma-cross-rsi-filter")!.flow);
    const ranged = compileFlow(parseFlowDocument(rsiFlow).ok ? rsiFlow : (null as never));
    expect(plain.ok && ranged.ok && ranged.hash).toBe(plain.ok && plain.hash);
  });

  it("refuses a range over a setting that is not a number, naming it", () => {
    const bad = withRanges("sma-cross", { close: { field: { values: [1] } } });
    const space = sweepSpace(bad);
    expect(!space.ok && space.errors[0]).toMatch(/^close\.field: only number settings/);
  });
});

describe("sweep space", () => {
  it("refuses a grid above 100,000 combinations and says how many", () => {
    const big: SweepParam[] = [
      { nodeId: "a", param: "x", values: Array.from({ length: 400 }, (_, i) => i) },
      { nodeId: "b", param: "y", values: Array.from({ length: 300 }, (_, i) => i) },
    ];
    const grid = gridCombos(big);
    expect(!grid.ok && grid.error).toContain("120,000 combinations");
  });

  it("draws the same distinct random combinations for the same seed", () => {
    const p = params(rsiFlow);
    const a = randomCombos(p, 40, 5);
    expect(randomCombos(p, 40, 5)).toEqual(a);
    expect(new Set(a.map((c) => c.join())).size).toBe(40);
    expect(randomCombos(p, 40, 6)).not.toEqual(a);
  });
});

describe("sweep runs", () => {
  it("every combination's result equals a single backtest of it (random combinations)", async () => {
    const p = params(rsiFlow);
    const combos = randomCombos(p, 12, 11);
    const evaluator = new ComboEvaluator(rsiFlow, p, candles);
    const rows = await runCombos(combos, { from: 0, to: candles.length }, sweepSettingsSchema.parse({}), localRunner(evaluator));
    rows.forEach((row, k) => {
      const alone = single(rsiFlow, p, combos[k]!, candles);
      expect(row.metrics).toEqual(pickSweepMetrics(alone.metrics));
      expect(row.stats).toEqual(returnStats(alone.equity));
    });
    expect(rows.some((r) => r.metrics!.trades > 0)).toBe(true);
    // The cache did share: fewer indicator series computed than indicator blocks run.
    expect((evaluator as unknown as { caches: Map<string, { misses: number; hits: number }> }).caches.values().next().value!.hits).toBeGreaterThan(0);
  });

  it("a run without trade rows keeps a tally that gives the same headline metrics as the trades (every template)", () => {
    let closed = 0;
    for (const t of TEMPLATES) {
      const compiled = compileFlow(t.flow);
      if (!compiled.ok) throw new Error(`${t.id} does not compile`);
      const timeframeMs = TIMEFRAME_MS[t.flow.market.timeframe];
      const full = backtest(compiled.spec, candles, t.flow.settings, { timeframeMs });
      const lean = simulate(compiled.spec, candles, t.flow.settings, { keepTrades: false });
      expect(lean.broker.trades).toEqual([]);
      expect(lean.broker.tally.count).toBe(full.trades.length);
      expect(lean.equity).toEqual(full.equity);
      const input = { initialCash: t.flow.settings.initialCash, equity: lean.equity, time: candles.time, close: candles.close, barsInMarket: lean.tally.inMarket, fees: lean.broker.totalFees, firstTradableBar: Math.max(0, lean.tally.firstTradable), timeframeMs };
      expect(headlineMetrics({ ...input, trades: lean.broker.tally })).toEqual(pickSweepMetrics(full.metrics));
      closed += full.trades.length;
    }
    expect(closed).toBeGreaterThan(0);
  });

  it("combinations whose specs order the same blocks differently share one generated program", () => {
    // The spec orders blocks by a hash of their params, so the entry may sit between the two crosses
    // in one combination and after them in another; with the averages shared, both must run one
    // source (one compiled loop for the whole sweep, not one per ordering).
    const flow = withRanges("sma-cross", { fast: { period: { from: 5, to: 14, step: 1 } }, slow: { period: { from: 20, to: 29, step: 1 } } });
    const p = params(flow);
    const grid = gridCombos(p);
    if (!grid.ok) throw new Error(grid.error);
    const cache = new SeriesCache(sliceCandles(candles, 0, 200));
    const byOrder = new Map<string, string>();
    for (const combo of grid.combos) {
      const compiled = compileFlow(applyCombo(flow, p, combo));
      if (!compiled.ok) throw new Error("does not compile");
      const order = compiled.spec.nodes.map((n) => `${n.kind}(${n.inputs.map((r) => ("node" in r ? r.node : "c")).join()})`).join(" ");
      byOrder.set(order, buildProgram(compiled.spec, { shared: cache.sharedFor(compiled.spec) }).source);
    }
    expect(byOrder.size).toBeGreaterThan(1);
    expect(new Set(byOrder.values()).size).toBe(1);
  });

  it("a grid over a block's number (the RSI limit, a Number block) shares one generated program", () => {
    const flow = withRanges("sma-cross-rsi-filter", { calm: { value: { from: 50, to: 95, step: 5 } } });
    const p = params(flow);
    const grid = gridCombos(p);
    if (!grid.ok) throw new Error(grid.error);
    const sources = new Set<string>();
    for (const combo of grid.combos) {
      const compiled = compileFlow(applyCombo(flow, p, combo));
      if (!compiled.ok) throw new Error("does not compile");
      sources.add(buildProgram(compiled.spec).source);
    }
    expect(grid.combos.length).toBe(10);
    expect(sources.size).toBe(1);
    // The limit still decides: different limits, different trades (same program, own context).
    const trades = grid.combos.map((c) => single(flow, p, c, candles).metrics.trades);
    expect(new Set(trades).size).toBeGreaterThan(1);
  });

  it("the grid's order and the cache's size do not change any result", async () => {
    const p = params(rsiFlow);
    const grid = gridCombos(p);
    if (!grid.ok) throw new Error(grid.error);
    const settings = sweepSettingsSchema.parse({});
    const inOrder = await runCombos(grid.combos, { from: 0, to: candles.length }, settings, localRunner(new ComboEvaluator(rsiFlow, p, candles)));
    const rand = mulberry32(3);
    const shuffled = grid.combos.map((c) => ({ c, r: rand() })).sort((a, b) => a.r - b.r).map((x) => x.c);
    // A cache of two series forces evictions and recomputation.
    const tiny = new ComboEvaluator(rsiFlow, p, candles, 2 * candles.length * 8);
    const other = await runCombos(shuffled, { from: 0, to: candles.length }, settings, localRunner(tiny), { chunkSize: 7, parallel: 3 });
    const byCombo = new Map(other.map((r) => [r.combo.join(), r]));
    for (const row of inOrder) expect(byCombo.get(row.combo.join())!.metrics).toEqual(row.metrics);
    expect(tiny.peakCacheBytes).toBeLessThanOrEqual(2 * candles.length * 8);
    // 360 runs, many of them recomputing evicted series: seconds on a loaded machine.
  }, 60_000);

  it("never reads the hold-out: poisoned hold-out candles change nothing", async () => {
    const holdoutFrom = candles.time[2400]!;
    const poisoned = allocCandles(candles.length);
    for (const k of ["time", "open", "high", "low", "close", "volume"] as const) poisoned[k].set(candles[k]);
    for (let i = 2400; i < candles.length; i++) {
      poisoned.open[i] = poisoned.high[i] = poisoned.low[i] = poisoned.close[i] = i % 2 ? NaN : 1e12;
    }
    const p = params(rsiFlow);
    const settings = sweepSettingsSchema.parse({ method: "random", samples: 15, seed: 2 });
    const run = async (c: Candles) => {
      const seen = beforeHoldout(c, holdoutFrom);
      const out = await runSweep(p, settings, seen.length, localRunner(new ComboEvaluator(rsiFlow, p, seen)));
      if (!out.ok) throw new Error(out.error);
      return out.result;
    };
    const clean = await run(sliceCandles(candles, 0, 2400));
    const dirty = await run(poisoned);
    expect(dirty.rows).toEqual(clean.rows);
    expect(dirty.rows.every((r) => Number.isFinite(r.metrics!.finalEquity))).toBe(true);
  });

  it("successive halving ends with full-length runs equal to single backtests, after more trials", async () => {
    const p = params(rsiFlow);
    const settings = sweepSettingsSchema.parse({ method: "halving", samples: 60, seed: 4, objective: "sharpe" });
    const out = await runSweep(p, settings, candles.length, localRunner(new ComboEvaluator(rsiFlow, p, candles)));
    if (!out.ok) throw new Error(out.error);
    const r = out.result;
    expect(r.trials).toBe(60);
    expect(r.rows.length).toBeLessThan(60);
    for (const row of r.rows) expect(row.metrics).toEqual(pickSweepMetrics(single(rsiFlow, p, row.combo, candles).metrics));
    const best = r.rows[r.best!]!;
    expect(r.rows.every((x) => x.score <= best.score)).toBe(true);
    expect(r.pbo).toBeGreaterThanOrEqual(0);
    expect(r.deflatedSharpe).toBeGreaterThanOrEqual(0);
  });

  it("constraints rank a run that breaks them below every other", async () => {
    const p = params(rsiFlow);
    const settings = sweepSettingsSchema.parse({ method: "random", samples: 10, constraints: { minTrades: 10_000 } });
    const out = await runSweep(p, settings, candles.length, localRunner(new ComboEvaluator(rsiFlow, p, candles)));
    expect(out.ok && out.result.best).toBeNull();
  });
});

describe("return statistics", () => {
  it("each block sums the bar returns whose index falls in its share of the run, for any length", () => {
    for (const length of [0, 1, 2, 5, 12, 13, 25, 997]) {
      for (const blocks of [1, 3, 7, 12]) {
        const equity = Float64Array.from({ length }, (_, i) => 100 + Math.sin(i * 0.37) * 3 + i * 0.01);
        const n = Math.max(0, length - 1);
        // Written out directly: return i (bar i-1 to bar i) belongs to block ⌊(i−1)·blocks / n⌋.
        const want = Array.from({ length: blocks }, () => ({ n: 0, sum: 0, sumSq: 0 }));
        for (let i = 1; i <= n; i++) {
          const r = equity[i]! / equity[i - 1]! - 1;
          const b = want[Math.floor(((i - 1) * blocks) / n)]!;
          b.n++;
          b.sum += r;
          b.sumSq += r * r;
        }
        expect(returnStats(equity, blocks).blocks).toEqual(want);
      }
    }
  });
});

describe("walk-forward windows", () => {
  it.each(["rolling", "anchored"] as const)("%s: out-of-sample parts follow one another without overlap; in-sample ends where out-of-sample starts", (mode) => {
    const w = walkForwardWindows(1000, { mode, windows: 4, inSampleBars: 300, outOfSampleBars: 150 });
    if (!w.ok) throw new Error(w.error);
    w.windows.forEach((x, k) => {
      expect(x.inSample.to).toBe(x.outOfSample.from);
      expect(x.outOfSample.to - x.outOfSample.from).toBe(150);
      if (k > 0) expect(x.outOfSample.from).toBe(w.windows[k - 1]!.outOfSample.to);
      expect(x.inSample.from).toBe(mode === "rolling" ? x.outOfSample.from - 300 : w.windows[0]!.inSample.from);
    });
    expect(w.windows.at(-1)!.outOfSample.to).toBe(1000);
  });

  it("refuses windows that do not fit, saying how many bars they need", () => {
    const w = walkForwardWindows(500, { mode: "rolling", windows: 4, inSampleBars: 300, outOfSampleBars: 150 });
    expect(!w.ok && w.error).toContain("need 900 bars; there are 500");
  });
});

describe("Monte Carlo over trades", () => {
  const pnls = [120, -80, 300, -50, -60, 200, 90, -150, 40, 70];

  it("shuffling keeps the final equity and spreads the drawdown; the same seed gives the same runs", () => {
    const r = monteCarlo(1000, pnls, { method: "shuffle", runs: 500, seed: 9 });
    expect(r.finalEquity.p5).toBeCloseTo(r.actual.finalEquity, 6);
    expect(r.finalEquity.p95).toBeCloseTo(r.actual.finalEquity, 6);
    expect(r.actual.finalEquity).toBeCloseTo(1000 + pnls.reduce((a, b) => a + b, 0), 6);
    expect(r.maxDrawdownPct.p5).toBeLessThan(r.maxDrawdownPct.p95);
    expect(r.maxDrawdownPct.histogram.reduce((s, b) => s + b.count, 0)).toBe(500);
    expect(r.finalEquity.histogram).toHaveLength(1);
    expect(monteCarlo(1000, pnls, { method: "shuffle", runs: 500, seed: 9 })).toEqual(r);
  });

  it("bootstrap draws final equities around the real one", () => {
    const r = monteCarlo(1000, pnls, { method: "bootstrap", runs: 1000, seed: 1 });
    expect(r.finalEquity.p5).toBeLessThan(r.actual.finalEquity);
    expect(r.finalEquity.p95).toBeGreaterThan(r.actual.finalEquity);
  });
});

describe("overfitting statistics", () => {
  it("deflated Sharpe ratio: the worked example of Bailey & López de Prado (2014)", () => {
    // 100 trials, variance of annualised SRs 1/2, best annualised SR 2.5, 1,250 daily returns,
    // skew −3, kurtosis 10 → SR₀ ≈ 0.1132 (daily) and DSR ≈ 0.9004 in the paper.
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(sr0).toBeCloseTo(0.1132, 4);
    const dsr = deflatedSharpe({ sharpe: 2.5 / Math.sqrt(250), n: 1250, skew: -3, kurtosis: 10, trials: 100, sharpeVariance: 0.5 / 250 });
    expect(dsr).toBeCloseTo(0.9004, 3);
  });

  const block = (...r: number[]) => ({ n: r.length, sum: r.reduce((a, b) => a + b, 0), sumSq: r.reduce((a, b) => a + b * b, 0) });

  it("PBO is 1 when the in-sample winner always loses out of sample, 0 when one run wins everywhere", () => {
    // Two blocks, two runs: X is best in block 1 and worst in block 2, Y the other way round.
    const x = [block(0.02, 0), block(-0.01, 0.01)];
    const y = [block(0.01, -0.01), block(0.03, 0.01)];
    expect(pboCscv([x, y])!.pbo).toBe(1);
    const z = [block(0.03, 0.01), block(0.04, 0.02)];
    expect(pboCscv([x, z])!.pbo).toBe(0);
  });

  it("PBO equals a direct CSCV over the raw return matrix", () => {
    const rand = mulberry32(21);
    const T = 60;
    const S = 6;
    const N = 7;
    const m = Array.from({ length: N }, () => Array.from({ length: T }, () => (rand() - 0.48) * 0.02));
    const sharpe = (xs: number[]) => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      return mean / sd;
    };
    const rowsOf = (blocks: number[]) => blocks.flatMap((b) => Array.from({ length: T / S }, (_, i) => b * (T / S) + i));
    let overfit = 0;
    let splits = 0;
    for (let mask = 0; mask < 1 << S; mask++) {
      const train = [...Array(S).keys()].filter((b) => mask & (1 << b));
      if (train.length !== S / 2) continue;
      const test = [...Array(S).keys()].filter((b) => !(mask & (1 << b)));
      const isSr = m.map((r) => sharpe(rowsOf(train).map((t) => r[t]!)));
      const oosSr = m.map((r) => sharpe(rowsOf(test).map((t) => r[t]!)));
      const best = isSr.indexOf(Math.max(...isSr));
      const below = oosSr.filter((v) => v < oosSr[best]!).length;
      splits++;
      if ((below + 1) / (N + 1) <= 0.5) overfit++;
    }
    const blocks = m.map((r) => Array.from({ length: S }, (_, b) => block(...r.slice(b * (T / S), (b + 1) * (T / S)))));
    expect(splits).toBe(20);
    expect(pboCscv(blocks)!.pbo).toBeCloseTo(overfit / splits, 12);
  });
});

describe("heatmap and stability", () => {
  const p: SweepParam[] = [
    { nodeId: "a", param: "x", values: [1, 2, 3] },
    { nodeId: "b", param: "y", values: [10, 20] },
    { nodeId: "c", param: "z", values: [0, 5] },
  ];
  const grid = gridCombos(p);
  if (!grid.ok) throw new Error(grid.error);
  // Score = x + y/10 + z, except one spike at (3, 10, 0) and one broken run at (1, 20, 5).
  const rows = grid.combos.map((c) => ({ combo: c, score: c.join() === "3,10,0" ? 100 : c.join() === "1,20,5" ? null : c[0]! + c[1]! / 10 + c[2]! }));

  it("draws two params with the others held at the chosen values", () => {
    const cells = heatmap(p, rows, 0, 1, [0, 0, 5]);
    expect(cells.map((c) => [c.x, c.y, c.value])).toEqual([
      [1, 10, 7],
      [2, 10, 8],
      [3, 10, 9],
      [1, 20, null],
      [2, 20, 9],
      [3, 20, 10],
    ]);
    expect(rows[cells[1]!.row]!.combo).toEqual([2, 10, 5]);
  });

  it("averages each combination with its grid neighbours, leaving out runs without a score", () => {
    const avg = neighbourAverage(p, rows);
    const at = (c: string) => avg[rows.findIndex((r) => r.combo.join() === c)];
    // (3,10,0): itself 100 and neighbours (2,10,0)=3, (2,20,0)=4, (3,20,0)=5, (2,10,5)=8, (2,20,5)=9, (3,10,5)=9, (3,20,5)=10.
    expect(at("3,10,0")).toBeCloseTo((100 + 3 + 4 + 5 + 8 + 9 + 9 + 10) / 8, 12);
    // (1,10,0): (1,10,0)=2, (2,10,0)=3, (1,20,0)=3, (2,20,0)=4, (1,10,5)=7, (2,10,5)=8, (2,20,5)=9; (1,20,5) has no score.
    expect(at("1,10,0")).toBeCloseTo((2 + 3 + 3 + 4 + 7 + 8 + 9) / 7, 12);
  });
});
