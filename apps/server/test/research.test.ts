import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyCombo, backtest, compileFlow, pickSweepMetrics, TIMEFRAME_MS, type FlowGraph } from "@keyflow/core";
import type { ResearchProgress } from "../src/research/researchJobs";
import { template, testServices, unpackRun, userErrorOf } from "./helpers";

let t: ReturnType<typeof testServices>;
beforeAll(() => {
  t = testServices({ demo: true, backtests: { concurrency: 1, warm: false } });
}, 120_000);
afterAll(async () => {
  await t.close();
});

async function follow(id: string): Promise<ResearchProgress[]> {
  const events: ResearchProgress[] = [];
  for await (const e of await t.caller.research.progress({ id })) events.push(e);
  return events;
}

function ranged(fast: number[], slow: number[]): FlowGraph {
  const flow = template("sma-cross");
  return {
    ...flow,
    nodes: flow.nodes.map((n) => (n.id === "fast" ? { ...n, ranges: { period: { values: fast } } } : n.id === "slow" ? { ...n, ranges: { period: { values: slow } } } : n)),
  };
}

describe("research router", () => {
  it("sweeps a saved strategy on worker threads with progress; stored rows equal single backtests; listed with the strategy; apply makes a version", async () => {
    const s = await t.caller.strategies.create({ flow: ranged([5, 8, 12], [20, 30]) });
    const started = await t.caller.research.start({ strategyId: s.id, settings: { method: "grid", samples: 200, seed: 1, objective: "sharpe", constraints: { minTrades: 0 } } });
    expect(started.total).toBe(6);
    const events = await follow(started.id);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ status: "done", done: 6, total: 6 });
    expect(last.best!.params).toHaveProperty("fast.period");
    expect(events.some((e) => e.status === "running" && e.etaMs !== null)).toBe(true);

    const run = await t.caller.research.get({ id: started.id });
    const sweep = run.sweep!;
    expect(sweep.rows).toHaveLength(6);
    expect(sweep.trials).toBe(6);
    const series = t.services.db.candles.find(run.market)!;
    // The run records the first and last candle it read (both inclusive).
    const candles = t.services.db.candles.read(series.id, { from: run.fromTime, to: run.toTime + 1 });
    for (const k of [0, 3, 5]) {
      const f = applyCombo(run.flow, run.params, sweep.rows[k]!.combo);
      const c = compileFlow(f);
      if (!c.ok) throw new Error("no");
      expect(sweep.rows[k]!.metrics).toEqual(pickSweepMetrics(backtest(c.spec, candles, f.settings, { timeframeMs: TIMEFRAME_MS[f.market.timeframe] }).metrics));
    }
    const best = sweep.rows[sweep.best!]!;
    expect(last.best!.score).toBe(best.score);

    expect((await t.caller.research.listForStrategy({ strategyId: s.id })).map((r) => r.id)).toEqual([started.id]);

    const applied = await t.caller.research.applyRow({ id: started.id, row: sweep.best! });
    expect(applied.version).toBe(2);
    const v2 = await t.caller.strategies.get({ id: s.id, version: 2 });
    expect(v2.flow.nodes.find((n) => n.id === "fast")!.params.period).toBe(best.combo[0]);
    expect(v2.flow.nodes.find((n) => n.id === "slow")!.params.period).toBe(best.combo[1]);
  }, 120_000);

  it("a locked hold-out is never swept; unlocking runs once and is recorded", async () => {
    const s = await t.caller.strategies.create({ flow: ranged([5, 9], [20]) });
    const series = t.services.db.candles.find(template("sma-cross").market)!;
    const holdoutFrom = series.lastTime! - 60 * 86_400_000;
    await t.caller.research.lockHoldout({ strategyId: s.id, from: holdoutFrom });
    const started = await t.caller.research.start({ strategyId: s.id, settings: { method: "grid", samples: 1, seed: 1, objective: "equity", constraints: { minTrades: 0 } } });
    expect(started.holdoutFrom).toBe(holdoutFrom);
    await follow(started.id);
    const run = await t.caller.research.get({ id: started.id });
    const before = t.services.db.candles.read(series.id, { to: holdoutFrom });
    expect(run.toTime).toBe(before.time[before.length - 1]);
    expect(run.toTime).toBeLessThan(holdoutFrom);
    expect(run.bars).toBe(before.length);
    expect(run.holdoutFrom).toBe(holdoutFrom);

    const unlocked = await t.caller.research.unlockHoldout({ strategyId: s.id });
    expect(unlocked.unlockedAt).not.toBeNull();
    expect(unlocked.unlock!.bars).toBe(t.services.db.candles.read(series.id, { from: holdoutFrom }).length);
    expect(unlocked.unlock!.params).toEqual({ "fast.period": 10, "slow.period": 20 });
    expect((await userErrorOf(t.caller.research.unlockHoldout({ strategyId: s.id }))).message).toMatch(/already unlocked/);
    expect((await userErrorOf(t.caller.research.lockHoldout({ strategyId: s.id, from: holdoutFrom }))).message).toMatch(/cannot be locked again/);
  }, 120_000);

  it("refuses a grid above 100,000 combinations, saying how many", async () => {
    const values = Array.from({ length: 400 }, (_, i) => i + 2);
    const err = await userErrorOf(t.caller.research.start({ flow: ranged(values, values.slice(0, 300)), settings: { method: "grid", samples: 1, seed: 1, objective: "equity", constraints: { minTrades: 0 } } }));
    expect(err.message).toContain("120,000 combinations");
  });

  it("cancels a running sweep", async () => {
    const values = Array.from({ length: 40 }, (_, i) => i + 2);
    const started = await t.caller.research.start({ flow: ranged(values, values), settings: { method: "grid", samples: 1, seed: 1, objective: "equity", constraints: { minTrades: 0 } } });
    const stream = await t.caller.research.progress({ id: started.id });
    let last: ResearchProgress | undefined;
    let asked = false;
    for await (const e of stream) {
      last = e;
      if (e.done > 0 && e.status === "running" && !asked) {
        asked = true;
        expect((await t.caller.research.cancel({ id: started.id })).cancelled).toBe(true);
      }
    }
    expect(last!.status).toBe("cancelled");
    expect(last!.done).toBeLessThan(1600);
    // Stored as cancelled with the rows that finished (also those of chunks stopped part way), each a single backtest's.
    const run = await t.caller.research.get({ id: started.id });
    expect(run.status).toBe("cancelled");
    const rows = run.sweep!.rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(1600);
    expect(run.sweep!.trials).toBe(rows.length);
    expect(rows[run.sweep!.best!]!.score).toBe(Math.max(...rows.map((r) => r.score ?? -Infinity)));
    const series = t.services.db.candles.find(run.market)!;
    const candles = t.services.db.candles.read(series.id, { from: run.fromTime, to: run.toTime + 1 });
    for (const row of [rows[0]!, rows.at(-1)!]) {
      const f = applyCombo(run.flow, run.params, row.combo);
      const c = compileFlow(f);
      if (!c.ok) throw new Error("does not compile");
      expect(row.metrics).toEqual(pickSweepMetrics(backtest(c.spec, candles, f.settings, { timeframeMs: TIMEFRAME_MS[f.market.timeframe] }).metrics));
    }
  }, 120_000);

  it("Monte Carlo of a finished backtest: seeded percentiles of its trades", async () => {
    const started = await t.caller.backtests.run({ flow: template("sma-cross") });
    for await (const e of await t.caller.backtests.progress({ runId: started.runId })) void e;
    const a = await t.caller.research.monteCarlo({ runId: started.runId, settings: { method: "bootstrap", runs: 200, seed: 3 } });
    const run = unpackRun(await t.caller.backtests.get({ runId: started.runId }))!;
    expect(a.trades).toBe(run.trades.length);
    expect(a.finalEquity.p5).toBeLessThanOrEqual(a.finalEquity.p50);
    expect(a.finalEquity.p50).toBeLessThanOrEqual(a.finalEquity.p95);
    expect(await t.caller.research.monteCarlo({ runId: started.runId, settings: { method: "bootstrap", runs: 200, seed: 3 } })).toEqual(a);
  }, 120_000);
});
