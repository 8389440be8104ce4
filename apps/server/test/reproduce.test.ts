// Runs are pinned to what produced them, and "Run again" says whether the result is the same.
import BetterSqlite3 from "better-sqlite3";
import { allocCandles, ENGINE_VERSION, FILL_RULES, type Market } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { template, testServices, unpackRun } from "./helpers";

const market: Market = { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" };
let t: ReturnType<typeof testServices>;
beforeAll(() => {
  t = testServices({ demo: true, backtests: { concurrency: 1 } });
}, 120_000);
afterAll(async () => {
  await t.close();
});

async function finished(runId: string) {
  for await (const e of await t.caller.backtests.progress({ runId })) if (e.status !== "queued" && e.status !== "running") break;
  const run = await t.caller.backtests.get({ runId });
  return { ...run, trades: unpackRun(run)?.trades ?? null };
}

describe("pinned runs", () => {
  it("records the strategy version, candles, settings and engine; Run again is identical", async () => {
    const s = await t.caller.strategies.create({ flow: template("sma-cross") });
    const started = await t.caller.backtests.run({ strategyId: s.id, market, from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 3, 1) - 3_600_000 });
    const run = await finished(started.runId);
    expect(run).toMatchObject({ strategyId: s.id, strategyVersion: 1, engineVersion: ENGINE_VERSION, fillRules: FILL_RULES, bars: 91 * 24 });
    expect(run.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.dataFirstTime).toBe(Date.UTC(2024, 0, 1));
    expect(run.dataLastTime).toBe(Date.UTC(2024, 3, 1) - 3_600_000);
    expect(await t.caller.backtests.reproduction({ runId: run.id })).toBeNull();

    // A later version does not change what "Run again" runs: it repeats version 1.
    const v2 = structuredClone(s.flow);
    v2.nodes.find((n) => n.id === "fast")!.params.period = 7;
    await t.caller.strategies.save({ id: s.id, flow: v2 });
    const again = await t.caller.backtests.rerun({ runId: run.id });
    expect(again.reused).toBe(false);
    const second = await finished(again.runId);
    expect(second).toMatchObject({ strategyVersion: 1, specHash: run.specHash, rerunOf: run.id, dataHash: run.dataHash });
    const r = await t.caller.backtests.reproduction({ runId: second.id });
    expect(r).toMatchObject({ status: "identical", dataChanged: false, engine: { changed: false } });
    expect(second.trades).toEqual(run.trades);
  });

  it("a flow sent with the id of a strategy is pinned only when it is the saved version", async () => {
    const s = await t.caller.strategies.create({ flow: template("rsi-reversion") });
    const same = await t.caller.backtests.run({ strategyId: s.id, flow: s.flow, market, from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) });
    expect((await finished(same.runId)).strategyVersion).toBe(1);
    const edited = { ...s.flow, settings: { ...s.flow.settings, feeRate: 0.002 } };
    const other = await t.caller.backtests.run({ strategyId: s.id, flow: edited, market, from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) });
    expect((await finished(other.runId)).strategyVersion).toBeNull();
  });

  it("Run again after a candle changed says the data differs and where the result parts", async () => {
    const s = await t.caller.strategies.create({ flow: template("sma-cross") });
    const from = Date.UTC(2024, 4, 1);
    const run = await finished((await t.caller.backtests.run({ strategyId: s.id, market, from, to: Date.UTC(2024, 6, 1) })).runId);
    expect(run.trades!.length).toBeGreaterThan(1);
    // Move the open of the bar that fills the first entry: the first trade's entry price changes.
    const series = t.services.db.candles.find(market)!;
    const at = run.trades![0]!.entryTime;
    const old = t.services.db.candles.read(series.id, { from: at, to: at + 3_600_000 });
    const c = allocCandles(1);
    for (const k of ["time", "open", "high", "low", "close", "volume"] as const) c[k][0] = old[k][0]!;
    c.open[0] = old.open[0]! * 1.01;
    c.high[0] = Math.max(c.high[0]!, c.open[0]!);
    t.services.db.candles.insert(series.id, c);

    const second = await finished((await t.caller.backtests.rerun({ runId: run.id })).runId);
    expect(second.dataHash).not.toBe(run.dataHash);
    const r = await t.caller.backtests.reproduction({ runId: second.id });
    expect(r).toMatchObject({ status: "differs", dataChanged: true });
    expect(r!.reason).toMatch(/candles changed/);
    expect(r!.reason).toMatch(/Trade 1 .* entryPrice/);
  });

  it("when the engine changed and the result differs, says so and names the original to show beside it", async () => {
    const s = await t.caller.strategies.create({ flow: template("macd-trend") });
    const run = await finished((await t.caller.backtests.run({ strategyId: s.id, market, from: Date.UTC(2024, 7, 1), to: Date.UTC(2024, 9, 1) })).runId);
    // Pretend an older engine made the original, with another Sharpe ratio.
    const raw = new BetterSqlite3(t.services.db.path);
    raw.prepare("UPDATE backtest_runs SET engine_version = '0.0.9', metrics = json_set(metrics, '$.sharpe', 99) WHERE id = ?").run(run.id);
    raw.close();
    const second = await finished((await t.caller.backtests.rerun({ runId: run.id })).runId);
    const r = await t.caller.backtests.reproduction({ runId: second.id });
    expect(r).toMatchObject({ status: "differs", originalId: run.id, dataChanged: false, engine: { original: "0.0.9", now: ENGINE_VERSION, changed: true } });
    expect(r!.reason).toMatch(/^The engine changed from 0\.0\.9 to .*, and the result differs\. Every trade matches, but sharpe is 99 in the run of .* and -?[\d.]+ in this run\.$/);
  });
});
