// Portfolio runs (one flow over several markets on shared cash) are run like single runs: on the
// backtest workers with progress, kept (retention, pins, disk use), exported as a result file and
// verified by `keyflow verify` on another install's own candles.
import { readFileSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { join } from "node:path";
import { compile, parseResultFile, portfolioBacktest, TIMEFRAME_MS, type Candles, type FlowGraph, type Market, type PortfolioBundle } from "@keyflow/core";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runBacktestCommand } from "../src/cli/backtest";
import { importCsv } from "../src/data/importCsv";
import type { BacktestProgress } from "../src/jobs/backtestJobs";
import { utcMinute } from "../src/utcMinute";
import { changeCandle, finishedPortfolio, portfolioResult, template, testServices, verifyCli } from "./helpers";

const BTC: Market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" };
const ETH: Market = { ...BTC, symbol: "ETH/USDT" };
const from = Date.UTC(2022, 0, 1);
const to = Date.UTC(2023, 0, 1);
let a: ReturnType<typeof testServices>;
let b: ReturnType<typeof testServices>;
let flow: FlowGraph;

beforeAll(() => {
  a = testServices({ backtests: { concurrency: 1 } });
  b = testServices({ backtests: { concurrency: 1 } });
  for (const [market, file] of [
    [BTC, "binance-BTCUSDT-1h.csv"],
    [ETH, "binance-ETHUSDT-1h.csv"],
  ] as const) {
    const csv = readFileSync(sharedDataFile(file), "utf8");
    for (const t of [a, b]) expect(importCsv(t.services.db, market, csv).ok).toBe(true);
  }
  flow = { ...template("btc-eth-portfolio"), market: BTC };
}, 120_000);
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const readAll = (t: typeof a, market: Market): Candles => {
  const s = t.services.db.candles.find(market)!;
  return t.services.db.candles.read(s.id, { from, to: to + 1 });
};

async function events(t: typeof a, runId: string): Promise<BacktestProgress[]> {
  const out: BacktestProgress[] = [];
  for await (const e of await t.caller.backtests.progress({ runId })) out.push(e);
  return out;
}

/** `keyflow verify` against install b's data directory. */
const verify = (...args: string[]) => verifyCli(b.dir, ...args);

function writeFile(name: string, doc: unknown): string {
  const path = join(b.dir, `${name}.result.json`);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

let strategyId: string;
let runId: string;
let bundle: PortfolioBundle;

describe("portfolio runs", () => {
  it("run on a backtest worker with progress, and give exactly the in-process portfolio backtest's result", async () => {
    strategyId = (await a.caller.strategies.create({ flow })).id;
    const started = await a.caller.backtests.runPortfolio({ strategyId, from, to });
    runId = started.runId;
    expect(started.data.map((d) => d.symbol)).toEqual(["BTC/USDT", "ETH/USDT"]);
    const seen = await events(a, runId);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ status: "done", percent: 100, total: started.bars, done: started.bars });
    expect(seen.some((e) => e.status === "queued" || e.status === "running")).toBe(true);

    const run = await portfolioResult(a.caller, runId);
    const compiled = compile(run.flow);
    if (!compiled.ok) throw new Error("does not compile");
    const [btc, eth] = [readAll(a, BTC), readAll(a, ETH)];
    const here = portfolioBacktest(compiled.spec, [{ symbol: "BTC/USDT", candles: btc }, { symbol: "ETH/USDT", candles: eth }], run.settings, flow.portfolio!, { timeframeMs: TIMEFRAME_MS["1h"], hash: compiled.hash });
    expect(run.metrics).toEqual(here.metrics);
    expect(run.bars).toBe(here.bars);
    expect(run.rules).toEqual({ maxOpenPositions: here.maxOpenPositions, budgetPerPosition: here.budgetPerPosition });
    for (const [k, m] of here.markets.entries()) {
      expect(run.markets[k]).toMatchObject({ ...m, first: from, last: to });
      expect(run.markets[k]!.trades).toEqual(m.trades);
    }
    expect(here.metrics.trades).toBeGreaterThan(10);
    expect(run.equity.value.at(-1)).toBe(here.equity.value.at(-1));
    expect(run.data.map((d) => d.count)).toEqual([btc.length, eth.length]);
  }, 120_000);

  it("are kept compact, listed with their disk use, pruned past KEYFLOW_KEEP_RUNS unless pinned, and counted in the storage figures", async () => {
    const listed = await a.caller.backtests.portfolios({ strategyId });
    expect(listed.map((r) => [r.id, r.status, r.pinned])).toEqual([[runId, "done", false]]);
    const full = await portfolioResult(a.caller, runId);
    // Trades and curve packed in columns take a fraction of their JSON.
    expect(listed[0]!.bytes).toBeGreaterThan(0);
    expect(listed[0]!.bytes).toBeLessThan(JSON.stringify([full.markets, full.equity]).length / 2);
    const before = await a.caller.backtests.storage();

    expect(await a.caller.backtests.pin({ runId, pinned: true })).toEqual({ runId, pinned: true });
    a.services.config.keepRuns = 1;
    try {
      const second = (await a.caller.backtests.runPortfolio({ strategyId, from, to, maxOpenPositions: 1 })).runId;
      await finishedPortfolio(a.caller, second);
      const third = (await a.caller.backtests.runPortfolio({ strategyId, from, to, budgetPerPosition: 2000 })).runId;
      await finishedPortfolio(a.caller, third);
      // The newest one and the pinned one stay; the unpinned older one went.
      expect((await a.caller.backtests.portfolios({ strategyId })).map((r) => r.id)).toEqual([third, runId]);
      const storage = await a.caller.backtests.storage();
      expect(storage.runs).toBe(before.runs + 1);
      expect(storage.runBytes).toBeGreaterThan(before.runBytes);
      // Unpinned, it goes with the next run.
      await a.caller.backtests.pin({ runId, pinned: false });
      const fourth = (await a.caller.backtests.runPortfolio({ strategyId, from, to })).runId;
      await finishedPortfolio(a.caller, fourth);
      expect((await a.caller.backtests.portfolios({ strategyId })).map((r) => r.id)).toEqual([fourth]);
      runId = fourth;
    } finally {
      delete a.services.config.keepRuns;
    }
  }, 120_000);

  it("can be cancelled while queued or running; the row says so", async () => {
    const one = (await a.caller.backtests.runPortfolio({ strategyId, from, to })).runId;
    const two = (await a.caller.backtests.runPortfolio({ strategyId, from, to })).runId;
    // One worker: the second waits in the queue.
    expect(await a.caller.backtests.cancel({ runId: two })).toEqual({ cancelled: true });
    expect((await events(a, two)).at(-1)!.status).toBe("cancelled");
    const stored = await finishedPortfolio(a.caller, two);
    expect(stored).toMatchObject({ status: "cancelled", markets: null, metrics: null });
    expect((await finishedPortfolio(a.caller, one)).status).toBe("done");
  }, 120_000);

  it("export as a result file naming every market's candles, which `keyflow verify` reproduces on another install", async () => {
    ({ bundle } = await a.caller.backtests.exportPortfolio({ runId }));
    expect(parseResultFile(JSON.parse(JSON.stringify(bundle)))).toEqual({ ok: true, bundle });
    const run = await portfolioResult(a.caller, runId);
    expect(bundle).toMatchObject({ kind: "portfolio", specHash: run.specHash, metrics: run.metrics, rules: run.rules });
    expect(bundle.markets.map((m) => [m.data.symbol, m.data.count, m.data.contentHash, m.trades.length])).toEqual(
      run.markets.map((m, k) => [m.symbol, run.data[k]!.count, run.data[k]!.dataHash, m.trades.length]),
    );
    expect(bundle.markets[1]!.data.checks).toHaveLength(run.data[1]!.count * 4);

    const ok = await verify(writeFile("portfolio", bundle), "--offline");
    expect(ok.out).toMatch(/Verified: Re-run here on your own candles of its 2 markets/);
    expect(ok.code).toBe(0);
    const json = await verify(writeFile("portfolio-json", bundle), "--offline", "--json");
    expect(JSON.parse(json.out)).toMatchObject({ status: "verified" });

    // Importing it saves the strategy with its markets and reruns it here as a portfolio.
    const imported = await b.caller.backtests.importBundle({ json: JSON.stringify(bundle), download: false });
    expect(imported.verification.status).toBe("verified");
    const rerun = await portfolioResult(b.caller, imported.portfolioRunId!);
    expect(rerun.metrics).toEqual(bundle.metrics);
    expect(rerun.markets.map((m) => m.trades)).toEqual(bundle.markets.map((m) => m.trades));
  }, 120_000);

  it("a tampered trade, figure or skipped count is not reproduced, naming the market", async () => {
    const tampered = (f: (x: PortfolioBundle) => void) => {
      const x = structuredClone(bundle);
      f(x);
      return x;
    };
    const trade = await verify(writeFile("t-trade", tampered((x) => (x.markets[1]!.trades[2]!.exitPrice *= 1.01))), "--offline");
    expect(trade.code).toBe(1);
    expect(trade.out).toMatch(/Not reproduced: .*In binance ETH\/USDT 1h: Trade 3 .*exitPrice/);
    const skipped = await verify(writeFile("t-skip", tampered((x) => (x.markets[0]!.skippedEntries += 1))), "--offline");
    expect(skipped.code).toBe(1);
    expect(skipped.out).toMatch(/In binance BTC\/USDT 1h: .*skippedEntries/);
    const figure = await verify(writeFile("t-metric", tampered((x) => (x.metrics.sharpe += 0.5))), "--offline");
    expect(figure.code).toBe(1);
    expect(figure.out).toMatch(/portfolio's figures: .*sharpe/);
    // Other rules are another portfolio: the re-run differs.
    const rules = await verify(writeFile("t-rules", tampered((x) => (x.rules.maxOpenPositions = 1))), "--offline");
    expect(rules.code).toBe(1);
    expect(rules.out).toMatch(/Not reproduced/);
  }, 120_000);

  it("other candles of one market are 'data differs' at that market's candle; a missing market is named; an unreadable file exits 2", async () => {
    const withCandles = (await a.caller.backtests.exportPortfolio({ runId, includeCandles: true })).bundle;
    expect(withCandles.markets.every((m) => m.candles !== undefined)).toBe(true);
    const t = Date.UTC(2022, 7, 9, 5);
    const changed = changeCandle(b.services.db, ETH, t, "high", 1);
    try {
      const differs = await verify(writeFile("differs", withCandles), "--offline", "--json");
      expect(differs.code).toBe(1);
      const v = JSON.parse(differs.out);
      expect(v).toMatchObject({ status: "dataDiffers", at: t });
      expect(v.reason).toContain("Your binance ETH/USDT 1h candles differ");
      expect(v.reason).toContain(utcMinute(t));
      expect(v.reason).toContain(`high is ${changed.before} in the result's candles and ${changed.after} in yours`);
    } finally {
      changed.restore();
    }
    const elsewhere = structuredClone(bundle);
    elsewhere.markets[1]!.data.symbol = "SOL/USDT";
    const missing = await verify(writeFile("missing", elsewhere), "--offline");
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/Data differs: You have no binance SOL\/USDT 1h candles/);
    const broken = { ...structuredClone(bundle), markets: [] };
    expect((await verify(writeFile("broken", broken))).code).toBe(2);
    // After putting the candle back, it verifies again.
    expect((await verify(writeFile("again", bundle), "--offline")).code).toBe(0);
  }, 120_000);

  it("the server's worker run equals `keyflow backtest --symbols` (in the CLI's own process) on the same stored candles", async () => {
    const server = await portfolioResult(a.caller, (await a.caller.backtests.runPortfolio({ strategyId })).runId);
    const flowFile = join(a.dir, "portfolio.flow.json");
    writeFileSync(flowFile, JSON.stringify(flow));
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((text) => ((out += String(text)), true));
    vi.stubEnv("KEYFLOW_DATA_DIR", a.dir);
    try {
      expect(await runBacktestCommand([flowFile, "--symbols", "BTC/USDT,ETH/USDT", "--json"])).toBe(0);
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    }
    const cli = JSON.parse(out) as { portfolio: { metrics: unknown; bars: number }; markets: { symbol: string; trades: unknown[]; skippedEntries: number }[] };
    expect(cli.portfolio.metrics).toEqual(server.metrics);
    expect(cli.portfolio.bars).toBe(server.bars);
    expect(cli.markets.map((m) => [m.symbol, m.trades, m.skippedEntries])).toEqual(server.markets.map((m) => [m.symbol, m.trades, m.skippedEntries]));
  }, 120_000);

  it("reads a portfolio run stored before runs were queued (trades and curve as JSON)", async () => {
    const run = await portfolioResult(a.caller, runId);
    const id = "legacy-portfolio";
    const { flow, specHash, exchange, timeframe, fromTime, toTime, settings, rules, bars, engineVersion, fillRules, strategyVersion } = run;
    a.services.db.portfolios.create({ id, strategyId, strategyVersion, flow, specHash, exchange, timeframe, fromTime, toTime, settings, rules, bars, engineVersion, fillRules, data: run.data });
    // What migration 0015 stored: no data, no results blob, trades in markets, equity as JSON.
    rawSql(a, `UPDATE portfolio_runs SET status = 'done', data = NULL, results = NULL, markets = ?, equity = ?, metrics = ?, duration_ms = 5 WHERE id = ?`, JSON.stringify(run.markets), JSON.stringify(run.equity), JSON.stringify(run.metrics), id);
    const old = await portfolioResult(a.caller, id);
    expect(old.markets.map((m) => m.trades)).toEqual(run.markets.map((m) => m.trades));
    expect(old.equity).toEqual(run.equity);
    expect(old.data).toEqual(run.data.map((d) => ({ ...d, count: run.markets.find((m) => m.symbol === d.symbol)!.bars })));
  });
});

/** A statement on the database file itself (what an older Keyflow wrote). */
function rawSql(t: typeof a, statement: string, ...params: unknown[]): void {
  const db = new Database(t.services.db.path);
  try {
    db.prepare(statement).run(...params);
  } finally {
    db.close();
  }
}
