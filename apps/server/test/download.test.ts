import { afterEach, describe, expect, it } from "vitest";
import { startFakeExchange, type Candle, type FakeExchange } from "../../../test/fake-exchange/index";
import { downloadCandles, type DownloadState } from "../src/data/download";
import { publicExchanges } from "../src/data/exchangeFactory";
import { DEFAULT_EXCHANGE_SETTINGS } from "../src/keys/exchangeSettings";
import { testServices } from "./helpers";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
/** 2,500 hours with hours 1200–1204 missing (an exchange outage). */
const TIMES = Array.from({ length: 2500 }, (_, i) => T0 + i * H).filter((_, i) => i < 1200 || i > 1204);
const CANDLES: Candle[] = TIMES.map((t, i) => [t, 100 + i, 101 + i, 99 + i, 100.5 + i, 10]);
const req = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" as const, since: T0 };

let fake: FakeExchange | undefined;
let t: ReturnType<typeof testServices> | undefined;
afterEach(async () => {
  await fake?.close();
  await t?.close();
  fake = t = undefined;
});

/** The shared loopback fake (Binance dialect) serving BTCUSDT hourly candles with a hole. */
const startFake = () => startFakeExchange({ interval: "1h", candles: { BTCUSDT: CANDLES, ETHUSDT: CANDLES }, closedAtStart: CANDLES.length });
/** Public instances made the way the server makes them, pointed at the fake through the URL override. */
const exchangesAt = (url: string) => publicExchanges({ ...DEFAULT_EXCHANGE_SETTINGS, urls: { binance: url }, ccxtRateLimitMs: 1 });
const klines = () => fake!.stats.count({ path: "/api/v3/klines" });

describe("candle download through ccxt", () => {
  it("pages forward, reports the gap, waits out a 429 through the retrier, and never signs", async () => {
    fake = await startFake();
    t = testServices();
    const ex = exchangesAt(fake.url)("binance");
    const waits: number[] = [];
    const states: DownloadState[] = [];
    let injected = false;
    const result = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H }, {
      sleep: async (ms) => void waits.push(ms),
      onProgress: (s) => {
        states.push(s);
        if (s.pages === 1 && !injected && (injected = true)) fake!.faults.inject({ kind: "rateLimit", status: 429, retryAfterSec: 1 }, { path: "/api/v3/klines" });
      },
    });
    expect(result).toMatchObject({ status: "done", percent: 100, fetched: 2495, added: 2495, gapCount: 1, error: null });
    expect(result.gaps).toEqual([{ after: T0 + 1199 * H, before: T0 + 1205 * H, missing: 5 }]);
    expect(waits).toEqual([1000]);
    expect(states.some((s) => s.note?.startsWith("Rate limited by the exchange"))).toBe(true);
    const percents = states.filter((s) => s.status === "running").map((s) => s.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // Pages of 1000; the rate-limited page is asked again.
    expect(klines()).toBe(4);
    expect(fake.stats.requests.every((r) => r.apiKey === undefined)).toBe(true);
    const series = t.services.db.candles.find(req)!;
    expect(series).toMatchObject({ count: 2495, firstTime: T0, lastTime: T0 + 2499 * H, source: "exchange" });
  }, 60_000);

  it("resumes after the last stored candle and never duplicates", async () => {
    fake = await startFake();
    t = testServices();
    const ex = exchangesAt(fake.url)("binance");
    const first = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 700 * H });
    expect(first).toMatchObject({ status: "done", fetched: 700 });
    const before = klines();
    const second = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H });
    expect(second).toMatchObject({ status: "done", from: T0 + 700 * H, fetched: 1795, added: 1795 });
    expect(klines() - before).toBe(2);
    expect(t.services.db.candles.find(req)!.count).toBe(2495);
    // Nothing new: a third run fetches nothing and says so.
    const third = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H });
    expect(third).toMatchObject({ status: "done", fetched: 0 });
    expect(third.note).toMatch(/No new candles/);
  }, 60_000);

  it("a download cut by a dead exchange resumes where it stopped, with no hole and no duplicate", async () => {
    fake = await startFake();
    t = testServices();
    const ex = exchangesAt(fake.url)("binance");
    const cut = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H }, {
      maxAttempts: 2,
      sleep: async () => undefined,
      onProgress: (s) => {
        if (s.pages === 1 && fake!.faults.pending() === 0) fake!.faults.inject({ kind: "status", status: 503 }, { path: "/api/v3/klines", times: 5 });
      },
    });
    expect(cut).toMatchObject({ status: "failed", fetched: 1000 });
    expect(cut.error).toMatch(/resumes where it stopped/);
    fake.faults.clear();
    const resumed = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H });
    expect(resumed).toMatchObject({ status: "done", from: cut.lastTime! + H, added: 1495 });
    const stored = t.services.db.candles.read(t.services.db.candles.find(req)!.id);
    expect(Array.from(stored.time)).toEqual(TIMES);
  }, 60_000);

  it("explains an unknown symbol and an unknown exchange", async () => {
    fake = await startFake();
    t = testServices();
    const ex = exchangesAt(fake.url)("binance");
    const r = await downloadCandles(t.services.db, ex, { ...req, symbol: "NOPE/USDT" });
    expect(r).toMatchObject({ status: "failed" });
    expect(r.error).toMatch(/has no spot market "NOPE\/USDT"/);
    expect(() => exchangesAt(fake!.url)("not-an-exchange")).toThrow(/Unknown exchange "not-an-exchange"/);
  }, 60_000);

  it("runs as a job behind markets.download with an SSE-style progress stream", async () => {
    fake = await startFake();
    t = testServices({ exchangeFactory: exchangesAt(fake.url) });
    const { jobId } = await t.caller.markets.download({ market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" }, since: T0, until: T0 + 2500 * H });
    const events = [];
    for await (const e of await t.caller.markets.downloadProgress({ jobId })) events.push(e);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ jobId, status: "done", percent: 100, fetched: 2495, exchange: "binance", symbol: "BTC/USDT" });
    expect(last.gaps).toHaveLength(1);
    expect((await t.caller.markets.list()).map((s) => [s.exchange, s.count])).toEqual([["binance", 2495]]);
  }, 60_000);
});
