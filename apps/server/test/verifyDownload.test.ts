// Verifying a result on an install that lacks its candles downloads them first (through the same
// download jobs as markets.download), here from the shared loopback fake exchange.
import { afterAll, describe, expect, it } from "vitest";
import { startFakeExchange, type Candle } from "../../../test/fake-exchange/index";
import { publicExchanges } from "../src/data/exchangeFactory";
import { DEFAULT_EXCHANGE_SETTINGS } from "../src/keys/exchangeSettings";
import { portfolioResult, template, testServices } from "./helpers";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const TIMES = Array.from({ length: 1500 }, (_, i) => T0 + i * H);
const market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" as const };
const open: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const x of open.reverse()) await x.close();
});

describe("verify downloads missing candles", () => {
  it("a result from one install verifies on another that has no candles yet", async () => {
    const candles: Candle[] = TIMES.map((t, i) => [t, 100 + (i % 37), 102 + (i % 37), 98 + (i % 37), 101 + ((i * 7) % 37), 10]);
    const fake = await startFakeExchange({ interval: "1h", candles: { BTCUSDT: candles }, closedAtStart: candles.length });
    open.push(fake);
    const exchangeFactory = publicExchanges({ ...DEFAULT_EXCHANGE_SETTINGS, urls: { binance: fake.url }, ccxtRateLimitMs: 1 });
    const a = testServices({ exchangeFactory, backtests: { concurrency: 1 } });
    const b = testServices({ exchangeFactory, backtests: { concurrency: 1 } });
    open.push(a, b);

    const { jobId } = await a.caller.markets.download({ market, since: T0, until: T0 + 1500 * H });
    await a.services.downloads.wait(jobId);
    const s = await a.caller.strategies.create({ flow: { ...template("sma-cross"), market } });
    const started = await a.caller.backtests.run({ strategyId: s.id, from: T0, to: T0 + 1500 * H });
    for await (const e of await a.caller.backtests.progress({ runId: started.runId })) if (e.status === "done" || e.status === "failed") break;
    const { bundle } = await a.caller.backtests.exportBundle({ runId: started.runId });
    expect(bundle.trades.length).toBeGreaterThan(3);

    expect(await b.caller.markets.list()).toEqual([]);
    const r = await b.caller.backtests.importBundle({ json: JSON.stringify(bundle) });
    expect(r.verification).toMatchObject({ status: "verified" });
    expect((await b.caller.markets.list()).map((x) => [x.exchange, x.symbol, x.count])).toEqual([["binance", "BTC/USDT", 1500]]);
    expect(r.runId).not.toBeNull();
  }, 60_000);

  it("a portfolio's result downloads every missing market, then verifies", async () => {
    const candles = (k: number): Candle[] => TIMES.map((t, i) => [t, 100 + ((i * k) % 37), 102 + ((i * k) % 37), 98 + ((i * k) % 37), 101 + ((i * (k + 6)) % 37), 10]);
    const fake = await startFakeExchange({ interval: "1h", candles: { BTCUSDT: candles(1), ETHUSDT: candles(3) }, closedAtStart: TIMES.length });
    open.push(fake);
    const exchangeFactory = publicExchanges({ ...DEFAULT_EXCHANGE_SETTINGS, urls: { binance: fake.url }, ccxtRateLimitMs: 1 });
    const a = testServices({ exchangeFactory, backtests: { concurrency: 1 } });
    const b = testServices({ exchangeFactory, backtests: { concurrency: 1 } });
    open.push(a, b);
    for (const symbol of ["BTC/USDT", "ETH/USDT"]) {
      const { jobId } = await a.caller.markets.download({ market: { ...market, symbol }, since: T0, until: T0 + 1500 * H });
      await a.services.downloads.wait(jobId);
    }
    const flow = { ...template("sma-cross"), market, portfolio: { symbols: ["BTC/USDT", "ETH/USDT"], maxOpenPositions: 1 } };
    const s = await a.caller.strategies.create({ flow });
    const run = await portfolioResult(a.caller, (await a.caller.backtests.runPortfolio({ strategyId: s.id })).runId);
    expect(run.markets.every((m) => m.trades.length > 0)).toBe(true);
    const { bundle } = await a.caller.backtests.exportPortfolio({ runId: run.id });

    const r = await b.caller.backtests.importBundle({ json: JSON.stringify(bundle) });
    expect(r.verification).toMatchObject({ status: "verified" });
    expect((await b.caller.markets.list()).map((x) => [x.symbol, x.count])).toEqual([
      ["BTC/USDT", 1500],
      ["ETH/USDT", 1500],
    ]);
    expect((await portfolioResult(b.caller, r.portfolioRunId!)).metrics).toEqual(run.metrics);
  }, 60_000);
});
