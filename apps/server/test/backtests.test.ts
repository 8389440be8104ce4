import { generateDemoCandles } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { BacktestProgress } from "../src/jobs/backtestJobs";
import { portfolioResult, template, testServices, unpackRun, userErrorOf } from "./helpers";

let t: ReturnType<typeof testServices>;
beforeAll(() => {
  t = testServices({ demo: true, backtests: { concurrency: 2 } });
}, 120_000);
afterAll(async () => {
  await t.close();
});

async function follow(runId: string): Promise<BacktestProgress[]> {
  const events: BacktestProgress[] = [];
  const stream = await t.caller.backtests.progress({ runId });
  for await (const e of stream) events.push(e);
  return events;
}

describe("backtests router", () => {
  it("installs the demo market on first start", async () => {
    const list = await t.caller.markets.list();
    expect(list.map((s) => [s.exchange, s.symbol, s.timeframe, s.source])).toEqual([
      ["demo", "DEMO/USDT", "1h", "demo"],
      ["demo", "DEMO/USDT", "1m", "demo"],
    ]);
    const [h, m] = list;
    expect(m!.count).toBe(527_040);
    expect(h!.count).toBeGreaterThan(2 * 8760);
  });

  it("runs a template in a worker, streams progress to done, stores a downsampled result", async () => {
    const flow = template("sma-cross");
    const started = await t.caller.backtests.run({ flow });
    expect(started.bars).toBeGreaterThan(17_000);
    const events = await follow(started.runId);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ runId: started.runId, status: "done", percent: 100, done: started.bars, total: started.bars });
    expect(last.barsPerSec).toBeGreaterThan(0);

    const run = await t.caller.backtests.get({ runId: started.runId });
    expect(run).toMatchObject({ status: "done", specHash: started.specHash, bars: started.bars, exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" });
    const { trades, chart } = unpackRun(run)!;
    // What the server stored, unpacked as the web does it.
    expect(t.services.db.backtests.get(started.runId)).toMatchObject({ trades, chart });
    expect(run.metrics!.trades).toBe(trades.length);
    expect(run.metrics!.trades).toBeGreaterThan(10);
    expect(chart.candles.time.length).toBeLessThanOrEqual(2000);
    expect(chart.candles.bucketMs % 3_600_000).toBe(0);
    expect(chart.equity.time.length).toBeLessThanOrEqual(2000);
    expect(chart.drawdown.value.every((v) => v <= 0)).toBe(true);
    expect(Math.min(...chart.drawdown.value)).toBeCloseTo(-run.metrics!.maxDrawdownPct, 6);
    // Indicator series carry the flow's node ids so the chart can label them.
    const flowIds = new Set(flow.nodes.map((n) => n.id));
    expect(chart.indicators.length).toBeGreaterThanOrEqual(2);
    for (const s of chart.indicators) {
      expect(flowIds.has(s.nodeId)).toBe(true);
      expect(s.time.length).toBe(s.value.length);
      expect(s.time.length).toBeLessThanOrEqual(2000);
    }
  }, 120_000);

  it("is reproducible: the same spec over the same candles gives identical metrics and trades", async () => {
    const flow = template("rsi-reversion");
    const range = { from: Date.UTC(2024, 5, 1), to: Date.UTC(2024, 7, 31, 23, 59) };
    const a = await t.caller.backtests.run({ flow, market: { ...flow.market, timeframe: "1m" }, ...range });
    const b = await t.caller.backtests.run({ flow, market: { ...flow.market, timeframe: "1m" }, ...range });
    await Promise.all([follow(a.runId), follow(b.runId)]);
    const [ra, rb] = await Promise.all([t.caller.backtests.get({ runId: a.runId }), t.caller.backtests.get({ runId: b.runId })]);
    expect(a.specHash).toBe(b.specHash);
    expect(ra.bars).toBe(92 * 1440);
    expect(rb.metrics).toEqual(ra.metrics);
    expect(unpackRun(rb)).toEqual(unpackRun(ra));
    expect(unpackRun(ra)!.trades.length).toBe(ra.metrics!.trades);
  }, 120_000);

  it("takes 'to' as inclusive: 1 Jan to the last minute of 31 Dec is the whole year, and the run records the first and last candle used", async () => {
    const flow = template("rsi-reversion");
    const market = { ...flow.market, timeframe: "1m" as const };
    const started = await t.caller.backtests.run({ flow, market, from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 11, 31, 23, 59) });
    expect(started.bars).toBe(366 * 1440);
    expect(started.to).toBe(Date.UTC(2024, 11, 31, 23, 59));
    // A range that ends between candles uses the last candle before its end.
    const mid = await t.caller.backtests.run({ flow, market, from: Date.UTC(2024, 0, 1, 0, 0, 30), to: Date.UTC(2024, 0, 1, 1, 0, 30) });
    expect(mid.bars).toBe(60);
    expect(mid.from).toBe(Date.UTC(2024, 0, 1, 0, 1));
    expect(mid.to).toBe(Date.UTC(2024, 0, 1, 1, 0));
    await follow(mid.runId);
    const run = await t.caller.backtests.get({ runId: mid.runId });
    expect([run.fromTime, run.toTime]).toEqual([mid.from, mid.to]);
    expect(run.gaps.count).toBe(0);
    await follow(started.runId);
  }, 120_000);

  it("shows a window of a run at bar resolution: the RSI is below 30 on the bar that decided each entry", async () => {
    const flow = template("rsi-reversion");
    const started = await t.caller.backtests.run({ flow });
    await follow(started.runId);
    const stored = await t.caller.backtests.get({ runId: started.runId });
    const run = { ...stored, ...unpackRun(stored)! };
    const H = 3_600_000;
    expect(run.chart.candles.bucketMs).toBeGreaterThan(H); // the stored chart merged candles
    const trade = run.trades.find((x) => x.exitReason === "signal")!;
    const from = trade.entryTime - 50 * H;
    const to = trade.exitTime + 50 * H;
    const w = await t.caller.backtests.window({ runId: started.runId, from, to });
    expect(w.candles.bucketMs).toBe(H);
    expect(w.candles.time[0]).toBe(from);
    expect(w.candles.time.length).toBe((to - from) / H);
    const rsi = w.indicators.find((l) => l.nodeId === "rsi")!;
    const at = (ms: number) => rsi.value[rsi.time.indexOf(ms)]!;
    // Decided on the close of the bar before the entry, filled at the entry bar's open.
    expect(at(trade.entryTime - H)).toBeLessThan(30);
    expect(at(trade.entryTime - 2 * H)).toBeGreaterThanOrEqual(30);
    expect(at(trade.exitTime - H)).toBeGreaterThan(70);
    expect(at(trade.exitTime - 2 * H)).toBeLessThanOrEqual(70);
    // Equity over the window is the run's own equity at those bars.
    expect(w.equity.time.length).toBe(w.candles.time.length);
    expect(Math.min(...w.drawdown.value)).toBeGreaterThanOrEqual(-run.metrics!.maxDrawdownPct - 1e-9);
  }, 120_000);

  it("leaves the candles to the workers: the server's thread reads none for a run or a window of it", async () => {
    const read = vi.spyOn(t.services.db.candles, "read");
    try {
      const flow = template("ema-cross-stops");
      const started = await t.caller.backtests.run({ flow });
      const end = (await follow(started.runId)).at(-1)!;
      expect(end).toMatchObject({ status: "done", done: started.bars });
      const run = await t.caller.backtests.get({ runId: started.runId });
      const { trades } = unpackRun(run)!;
      expect(trades.length).toBe(run.metrics!.trades);
      const w = await t.caller.backtests.window({ runId: started.runId, from: trades[0]!.entryTime, to: trades[0]!.exitTime + 3_600_000 });
      expect(w.candles.time[0]).toBe(trades[0]!.entryTime);
      expect(read).not.toHaveBeenCalled();
    } finally {
      read.mockRestore();
    }
  }, 120_000);

  it("runs on the candles as they are now: a worker does not reuse candles it read before they changed", async () => {
    const market = { exchange: "csv", symbol: "RELOAD/USDT", timeframe: "1h" as const };
    const start = Date.UTC(2024, 0, 1);
    const candles = generateDemoCandles({ seed: 3, timeframe: "1h", start, bars: 3000 });
    t.services.db.candles.importCandles(market, "csv", candles);
    const flow = { ...template("sma-cross"), market };
    const range = { from: start, to: start + 1999 * 3_600_000 };
    const first = await t.caller.backtests.run({ flow, ...range });
    await follow(first.runId);
    // Other prices inside the range (the same number of candles there), one candle more after it.
    const changed = generateDemoCandles({ seed: 4, timeframe: "1h", start, bars: 3001 });
    t.services.db.candles.importCandles(market, "csv", changed);
    const second = await t.caller.backtests.run({ flow, ...range });
    await follow(second.runId);
    const [a, b] = [unpackRun(await t.caller.backtests.get({ runId: first.runId }))!, unpackRun(await t.caller.backtests.get({ runId: second.runId }))!];
    expect(a.chart.candles.close.at(-1)).toBe(candles.close[1999]);
    expect(b.chart.candles.close.at(-1)).toBe(changed.close[1999]);
    expect(b.chart.candles.close.at(-1)).not.toBe(a.chart.candles.close.at(-1));
  }, 120_000);

  it("runs one flow over several markets as one portfolio on shared cash, stores it, and each market trades as alone when they never compete", async () => {
    const start = Date.UTC(2024, 0, 1);
    const markets = ["AAA/USDT", "BBB/USDT"].map((symbol, k) => {
      const market = { exchange: "portfolio-test", symbol, timeframe: "1h" as const };
      t.services.db.candles.importCandles(market, "csv", generateDemoCandles({ seed: 20 + k, timeframe: "1h", start, bars: 2000, startPrice: 100 * (k + 1) }));
      return market;
    });
    // A fixed 1,000 USDT a trade, so a market alone on 10,000 never lacks cash.
    const base = template("sma-cross");
    const flow = {
      ...base,
      market: markets[0]!,
      settings: { ...base.settings, initialCash: 20_000 },
      portfolio: { symbols: [], allStoredQuote: "USDT", maxOpenPositions: 2, budgetPerPosition: 10_000 },
      nodes: base.nodes.map((n) => (n.kind === "buy" ? { ...n, params: { sizeMode: "quote", size: 1000 } } : n)),
    };
    const strategy = await t.caller.strategies.create({ flow });
    const run = await portfolioResult(t.caller, (await t.caller.backtests.runPortfolio({ strategyId: strategy.id })).runId);
    expect(run.markets.map((m) => m.symbol)).toEqual(["AAA/USDT", "BBB/USDT"]);
    expect(run.rules).toEqual({ maxOpenPositions: 2, budgetPerPosition: 10_000 });
    expect(run.strategyVersion).toBe(1);
    let sum = 0;
    for (const [k, market] of markets.entries()) {
      const single = await t.caller.backtests.run({ flow: { ...flow, portfolio: undefined, market, settings: { ...flow.settings, initialCash: 10_000 } } });
      await follow(single.runId);
      const got = await t.caller.backtests.get({ runId: single.runId });
      const alone = unpackRun(got)!;
      expect(run.markets[k]!.trades).toEqual(alone.trades);
      expect(run.markets[k]!.skippedEntries).toBe(0);
      expect(run.markets[k]!.bars).toBe(2000);
      sum += got.metrics!.finalEquity;
    }
    expect(run.metrics.trades).toBeGreaterThan(2);
    expect(run.metrics.finalEquity).toBeCloseTo(sum, 6);
    // Stored: read back by id and listed with the strategy.
    const stored = await t.caller.backtests.portfolio({ id: run.id });
    expect(stored.markets![1]!.trades).toEqual(run.markets[1]!.trades);
    expect(stored.equity!.value.at(-1)).toBeCloseTo(run.metrics.finalEquity, 6);
    expect((await t.caller.backtests.portfolios({ strategyId: strategy.id })).map((r) => r.id)).toEqual([run.id]);
    // One slot: the two compete; a missing market is named.
    const tight = await portfolioResult(t.caller, (await t.caller.backtests.runPortfolio({ strategyId: strategy.id, maxOpenPositions: 1 })).runId);
    expect(tight.markets.reduce((n, m) => n + m.skippedEntries, 0)).toBeGreaterThan(0);
    const missing = await userErrorOf(t.caller.backtests.runPortfolio({ strategyId: strategy.id, symbols: ["AAA/USDT", "NONE/USDT"] }));
    expect(missing.message).toMatch(/No candles stored for portfolio-test NONE\/USDT 1h/);
  }, 120_000);

  it("returns compile errors per node as a typed payload, before queueing anything", async () => {
    const flow = template("sma-cross");
    flow.edges = flow.edges.slice(1);
    flow.nodes.push({ id: "mystery", kind: "no-such-block", params: {}, position: { x: 0, y: 0 } });
    const e = await userErrorOf(t.caller.backtests.run({ flow }));
    expect(e.kind).toBe("compile");
    const issues = e.issues as { nodeId?: string; code: string; message: string }[];
    expect(issues.some((i) => i.nodeId === "mystery" && i.code === "unknownBlock")).toBe(true);
    expect(issues.some((i) => i.code === "missingInput")).toBe(true);
    expect(e.message).toMatch(/problems? to fix/);
  });

  it("says when there are no candles for the market or the range", async () => {
    const flow = template("sma-cross");
    const none = await userErrorOf(t.caller.backtests.run({ flow, market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" } }));
    expect(none.kind).toBe("noCandles");
    expect(none.message).toMatch(/No candles stored for binance BTC\/USDT 1h\. Import a CSV or download/);
    const empty = await userErrorOf(t.caller.backtests.run({ flow, from: Date.UTC(2030, 0, 1), to: Date.UTC(2030, 1, 1) }));
    expect(empty.message).toMatch(/No demo DEMO\/USDT 1h candles between 2030-01-01/);
  });

  it("cancels a run, and keeps answering API calls while several run", async () => {
    const flow = template("macd-trend");
    const m1 = { ...flow.market, timeframe: "1m" as const };
    const runs = await Promise.all([1, 2, 3].map(() => t.caller.backtests.run({ flow, market: m1 })));
    const health = await t.caller.health.check();
    expect(health.ok).toBe(true);
    expect(await t.caller.backtests.cancel({ runId: runs[2]!.runId })).toEqual({ cancelled: true });
    const ends = await Promise.all(runs.map((r) => follow(r.runId).then((e) => e.at(-1)!)));
    expect(ends.map((e) => e.status)).toEqual(["done", "done", "cancelled"]);
    expect(await t.caller.backtests.get({ runId: runs[2]!.runId })).toMatchObject({ status: "cancelled", metrics: null });
    expect(await t.caller.backtests.cancel({ runId: runs[0]!.runId })).toEqual({ cancelled: false });
    // A finished run's progress still answers (from the database) with its final state.
    expect((await follow(runs[0]!.runId)).at(-1)).toMatchObject({ status: "done", percent: 100 });
  }, 120_000);

  it("holds queued runs while paused and runs them on resume", async () => {
    t.services.backtests.pause();
    const { runId } = await t.caller.backtests.run({ flow: template("sma-cross") });
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.caller.backtests.get({ runId })).status).toBe("queued");
    t.services.backtests.resume();
    expect((await follow(runId)).at(-1)!.status).toBe("done");
  }, 120_000);

  it("runs a saved strategy and lists its runs", async () => {
    const s = await t.caller.strategies.create({ flow: template("bollinger-breakout") });
    const r = await t.caller.backtests.run({ strategyId: s.id });
    await follow(r.runId);
    const list = await t.caller.backtests.listForStrategy({ strategyId: s.id });
    expect(list).toMatchObject([{ id: r.runId, strategyId: s.id, strategyVersion: 1, status: "done" }]);
    expect(list[0]).not.toHaveProperty("trades");
    expect(r.reused).toBe(false);

    // Unchanged strategy, data and settings: the stored run is the answer, not a duplicate.
    const again = await t.caller.backtests.run({ strategyId: s.id });
    expect(again).toMatchObject({ runId: r.runId, reused: true });
    expect(await t.caller.backtests.listForStrategy({ strategyId: s.id })).toHaveLength(1);
    // A different fee, or a different range, is a new run.
    const fee = await t.caller.backtests.run({ strategyId: s.id, settings: { feeRate: 0.002 } });
    const range = await t.caller.backtests.run({ strategyId: s.id, from: Date.UTC(2024, 0, 1) });
    expect([fee.reused, range.reused]).toEqual([false, false]);
    await Promise.all([follow(fee.runId), follow(range.runId)]);
    expect(await t.caller.backtests.listForStrategy({ strategyId: s.id })).toHaveLength(3);
  }, 120_000);
});
