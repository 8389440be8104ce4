import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { backtest, compileFlow, generateDemoCandles, getTemplate, TIMEFRAME_MS, type Candles } from "@keyflow/core";
import { runResearchCommand } from "../src/cli/research";
import { localBackend } from "../src/research/sweepBackend";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  return { out, err };
}
afterEach(() => vi.restoreAllMocks());

const candles = generateDemoCandles({ seed: 3, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 2500 });
const dir = mkdtempSync(join(tmpdir(), "keyflow-research-"));
const csvPath = join(dir, "c.csv");
writeFileSync(
  csvPath,
  ["time,open,high,low,close,volume", ...Array.from({ length: candles.length }, (_, i) => [candles.time[i], candles.open[i], candles.high[i], candles.low[i], candles.close[i], candles.volume[i]].join(","))].join("\n"),
);

function single(fast: number, slow: number, c: Candles) {
  const flow = getTemplate("sma-cross")!.flow;
  const f = { ...flow, nodes: flow.nodes.map((n) => (n.id === "fast" ? { ...n, params: { period: fast } } : n.id === "slow" ? { ...n, params: { period: slow } } : n)) };
  const compiled = compileFlow(f);
  if (!compiled.ok) throw new Error("no");
  return backtest(compiled.spec, c, f.settings, { timeframeMs: TIMEFRAME_MS["1h"] });
}

interface SweepJson {
  params: string[];
  combinations: { params: Record<string, number>; metrics: { finalEquity: number; trades: number }; score: number }[];
  best: { params: Record<string, number>; score: number };
  trials: number;
  deflatedSharpe: number;
  pbo: number;
}

describe("keyflow sweep", () => {
  it("--json on worker threads: every combination equals its single backtest, and the best is the top score", async () => {
    const io = capture();
    const code = await runResearchCommand("sweep", ["sma-cross", "--data", csvPath, "--param", "fast.period=5..9", "--param", "slow.period=20..30:5", "--threads", "2", "--json"]);
    expect(io.err.join("")).not.toContain("keyflow sweep:");
    expect(code).toBe(0);
    const r = JSON.parse(io.out.join("")) as SweepJson;
    expect(r.params).toEqual(["fast.period", "slow.period"]);
    expect(r.combinations).toHaveLength(15);
    expect(r.trials).toBe(15);
    for (const c of [r.combinations[0]!, r.combinations[7]!, r.combinations[14]!]) {
      expect(c.metrics.finalEquity).toBe(single(c.params["fast.period"]!, c.params["slow.period"]!, candles).metrics.finalEquity);
    }
    expect(Math.max(...r.combinations.map((c) => c.score))).toBe(r.best.score);
    expect(r.pbo).toBeGreaterThanOrEqual(0);
    expect(r.pbo).toBeLessThanOrEqual(1);
  });

  it("never reads candles from --holdout-from on", async () => {
    const holdout = new Date(candles.time[2000]!).toISOString();
    const io = capture();
    expect(await runResearchCommand("sweep", ["sma-cross", "--data", csvPath, "--param", "fast.period=5,8", "--holdout-from", holdout, "--json"], localBackend)).toBe(0);
    const r = JSON.parse(io.out.join("")) as SweepJson & { bars: number };
    expect(r.bars).toBe(2000);
    const before = { ...candles, length: 2000, time: candles.time.subarray(0, 2000), open: candles.open.subarray(0, 2000), high: candles.high.subarray(0, 2000), low: candles.low.subarray(0, 2000), close: candles.close.subarray(0, 2000), volume: candles.volume.subarray(0, 2000) };
    expect(r.combinations[1]!.metrics.finalEquity).toBe(single(8, 20, before).metrics.finalEquity);
  });

  it("refuses a grid above 100,000 combinations, saying how many", async () => {
    const io = capture();
    const code = await runResearchCommand("sweep", ["sma-cross", "--param", "fast.period=2..500", "--param", "slow.period=2..500"], localBackend);
    expect(code).toBe(2);
    expect(io.err.join("")).toContain("249,001 combinations");
  });

  it("says how to write a --param it cannot read, and names a missing block", async () => {
    let io = capture();
    expect(await runResearchCommand("sweep", ["sma-cross", "--param", "fast.period"], localBackend)).toBe(2);
    expect(io.err.join("")).toContain("<node>.<setting>=<from>..<to>");
    vi.restoreAllMocks();
    io = capture();
    expect(await runResearchCommand("sweep", ["sma-cross", "--param", "quick.period=1..3"], localBackend)).toBe(2);
    expect(io.err.join("")).toContain('no block "quick"');
  });
});

describe("keyflow walkforward and montecarlo", () => {
  it("walkforward --json: out-of-sample windows follow one another and each has its chosen params", async () => {
    const io = capture();
    const code = await runResearchCommand(
      "walkforward",
      ["sma-cross", "--data", csvPath, "--param", "fast.period=5..8", "--param", "slow.period=20,30", "--windows", "3", "--in", "800", "--out", "400", "--json"],
      localBackend,
    );
    expect(code).toBe(0);
    const r = JSON.parse(io.out.join("")) as {
      windows: { inSample: { to: number }; outOfSample: { from: number; to: number }; params: Record<string, number> }[];
      efficiency: number | null;
      stitchedReturnPct: number;
      stitchedEquity: { start: number; cents: number[] };
    };
    expect(r.windows).toHaveLength(3);
    // The stitched curve: one value per out-of-sample bar, ending at the compounded window returns.
    expect(r.stitchedEquity.cents).toHaveLength(3 * 400);
    expect(r.stitchedEquity.cents.every(Number.isInteger)).toBe(true);
    expect(r.stitchedEquity.cents.at(-1)! / 100).toBeCloseTo(r.stitchedEquity.start * (1 + r.stitchedReturnPct / 100), 1);
    r.windows.forEach((w, k) => {
      expect(w.inSample.to).toBeLessThan(w.outOfSample.from);
      if (k > 0) expect(w.outOfSample.from).toBeGreaterThan(r.windows[k - 1]!.outOfSample.to);
      expect(Object.keys(w.params)).toEqual(["fast.period", "slow.period"]);
    });
  });

  it("montecarlo --json: seeded percentiles of the flow's own trades", async () => {
    const run = async () => {
      const io = capture();
      expect(await runResearchCommand("montecarlo", ["sma-cross", "--data", csvPath, "--resample", "bootstrap", "--runs", "300", "--seed", "4", "--json"])).toBe(0);
      vi.restoreAllMocks();
      return JSON.parse(io.out.join("")) as { trades: number; finalEquity: { p5: number; p95: number }; actual: { finalEquity: number } };
    };
    const a = await run();
    expect(a.trades).toBe(single(10, 20, candles).trades.length);
    expect(a.actual.finalEquity).toBeCloseTo(single(10, 20, candles).trades.reduce((s, t) => s + t.pnl, 10_000), 6);
    expect(a.finalEquity.p5).toBeLessThan(a.finalEquity.p95);
    expect(await run()).toEqual(a);
  });
});
