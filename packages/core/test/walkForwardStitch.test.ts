import { describe, expect, it } from "vitest";
import { compileFlow } from "../src/compile/compile";
import { sliceCandles } from "../src/data/candles";
import { generateDemoCandles } from "../src/data/demo";
import { backtest } from "../src/engine/backtest";
import { TIMEFRAME_MS, type FlowGraph } from "../src/flow/schema";
import { getTemplate } from "../src/templates";
import { applyCombo, ComboEvaluator, localRunner, runWalkForward, stitchOutOfSample, sweepSettingsSchema, sweepSpace, WalkForwardCancelled, type ChunkRunner } from "../src/research";

const candles = generateDemoCandles({ seed: 11, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 3000 });

const template = getTemplate("sma-cross")!.flow;
const flow: FlowGraph = {
  ...template,
  nodes: template.nodes.map((n) =>
    n.id === "fast" ? { ...n, ranges: { period: { from: 4, to: 16, step: 4 } } } : n.id === "slow" ? { ...n, ranges: { period: { values: [20, 30, 45] } } } : n,
  ),
};

describe("walk-forward: the stitched out-of-sample equity curve", () => {
  it("equals each window's chosen params run over its out-of-sample bars, chained by hand from the previous window's end", async () => {
    const space = sweepSpace(flow);
    if (!space.ok) throw new Error(space.errors.join(" "));
    const wf = { mode: "rolling" as const, windows: 4, inSampleBars: 900, outOfSampleBars: 400 };
    const out = await runWalkForward(space.params, sweepSettingsSchema.parse({}), wf, candles.length, localRunner(new ComboEvaluator(flow, space.params, candles)));
    if (!out.ok) throw new Error(out.error);
    const r = out.result;

    // By hand: a plain backtest of each window's choice on its out-of-sample candles alone, each
    // curve scaled so that it starts from the equity the previous one ended with.
    const cash = flow.settings.initialCash;
    let carried = cash;
    const expected: number[] = [];
    for (const w of r.windows) {
      expect(w.combo).not.toBeNull();
      const f = applyCombo(flow, space.params, w.combo!);
      const compiled = compileFlow(f);
      if (!compiled.ok) throw new Error("does not compile");
      const alone = backtest(compiled.spec, sliceCandles(candles, w.outOfSample.from, w.outOfSample.to), f.settings, { timeframeMs: TIMEFRAME_MS[f.market.timeframe] });
      expect(alone.equity.length).toBe(w.outOfSample.to - w.outOfSample.from);
      for (const v of alone.equity) expected.push(Math.round(((v * carried) / cash) * 100) / 100);
      carried = (alone.equity.at(-1)! * carried) / cash;
    }

    expect(r.stitchedStart).toBe(cash);
    expect(r.stitchedEquity).toEqual(expected);
    expect(r.stitchedEquity!.length).toBe(4 * 400);
    // The curve ends where the compounded window returns end.
    expect(r.stitchedEquity!.at(-1)!).toBeCloseTo(cash * (1 + r.stitchedReturnPct / 100), 1);
    // Not a trivial case: the windows traded and did not all pick the same params.
    expect(r.windows.some((w) => (w.outOfSampleTrades ?? 0) > 0)).toBe(true);
    expect(new Set(r.windows.map((w) => w.combo!.join())).size).toBeGreaterThan(1);
  });

  it("stays flat over a window where nothing was chosen, then carries on from there", () => {
    const curve = stitchOutOfSample(
      [
        { bars: 2, equity: { start: 100, values: [100, 110] } },
        { bars: 3, equity: null },
        { bars: 2, equity: { start: 100, values: [90, 120] } },
      ],
      100,
    );
    expect(curve).toEqual([100, 110, 110, 110, 110, 99, 132]);
  });

  it("cancelled after its first window, it keeps that window and its stitched curve", async () => {
    const space = sweepSpace(flow);
    if (!space.ok) throw new Error(space.errors.join(" "));
    const wf = { mode: "rolling" as const, windows: 4, inSampleBars: 900, outOfSampleBars: 400 };
    const local = localRunner(new ComboEvaluator(flow, space.params, candles));
    const whole = await runWalkForward(space.params, sweepSettingsSchema.parse({}), wf, candles.length, local);
    if (!whole.ok) throw new Error(whole.error);
    const abort = new AbortController();
    // Cancelled as soon as the first window's out-of-sample run is back.
    const runner: ChunkRunner = async (chunk) => {
      const runs = await local(chunk);
      if (chunk.id === "w0o") abort.abort();
      return runs;
    };
    const cancelled = await runWalkForward(space.params, sweepSettingsSchema.parse({}), wf, candles.length, runner, { signal: abort.signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(cancelled).toBeInstanceOf(WalkForwardCancelled);
    const partial = (cancelled as WalkForwardCancelled).partial;
    expect(partial.windows).toEqual(whole.result.windows.slice(0, 1));
    expect(partial.stitchedEquity).toEqual(whole.result.stitchedEquity!.slice(0, 400));
  });
});
