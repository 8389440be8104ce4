import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { findGaps } from "@keyflow/core";
import { makeCandles, startFakeExchange, type Candle, type FakeExchange } from "../../../test/fake-exchange/index";
import { downloadCandles } from "../src/data/download";
import { publicExchanges } from "../src/data/exchangeFactory";
import { DEFAULT_EXCHANGE_SETTINGS } from "../src/keys/exchangeSettings";
import { createCaller } from "../src/router/root";
import { createServices } from "../src/services";
import { createContext } from "../src/trpc";
import { tempDir, testServices } from "./helpers";

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const T0 = Date.UTC(2024, 2, 1);
const btc = { exchange: "binance", symbol: "BTC/USDT" };

let fake: FakeExchange | undefined;
let t: ReturnType<typeof testServices> | undefined;
afterEach(async () => {
  await fake?.close();
  await t?.close();
  fake = t = undefined;
});

const exchangesAt = (url: string) => publicExchanges({ ...DEFAULT_EXCHANGE_SETTINGS, urls: { binance: url }, ccxtRateLimitMs: 1 });

describe("data page: derived timeframes", () => {
  it("1m candles resampled to 5m, 15m, 1h, 4h and 1d equal what the exchange serves for those timeframes", async () => {
    // Three days and a bit of minutes: the last, unfinished day and 4h bucket must not be derived.
    const minutes = makeCandles({ start: T0, intervalMs: M, count: 3 * 1440 + 200, seed: 7, startPrice: 30_000 });
    fake = await startFakeExchange({ interval: "1m", candles: { BTCUSDT: minutes }, closedAtStart: minutes.length });
    t = testServices({ exchangeFactory: exchangesAt(fake.url) });
    const ex = exchangesAt(fake.url)("binance");
    const until = T0 + minutes.length * M;
    await downloadCandles(t.services.db, ex, { ...btc, timeframe: "1m", since: T0, until });
    const source = t.services.db.candles.find({ ...btc, timeframe: "1m" })!;
    for (const tf of ["5m", "15m", "1h", "4h", "1d"] as const) {
      const derived = await t.caller.markets.derive({ seriesId: source.id, timeframe: tf });
      expect(derived.source).toBe("derived");
      // The same market downloaded directly at that timeframe, stored under another name to compare.
      const direct = await downloadCandles(t.services.db, ex, { exchange: "direct", symbol: "BTC/USDT", timeframe: tf, since: T0, until });
      expect(direct.status).toBe("done");
      const a = t.services.db.candles.read(derived.id);
      const b = t.services.db.candles.read(t.services.db.candles.find({ exchange: "direct", symbol: "BTC/USDT", timeframe: tf })!.id);
      expect(a.length).toBeGreaterThan(0);
      expect(Array.from(a.time)).toEqual(Array.from(b.time));
      for (const f of ["open", "high", "low", "close"] as const) expect(Array.from(a[f])).toEqual(Array.from(b[f]));
      a.volume.forEach((v, i) => expect(v).toBeCloseTo(b.volume[i]!, 6));
    }
    expect(t.services.db.candles.find({ ...btc, timeframe: "1d" })!.count).toBe(3);
    const wrong = t.caller.markets.derive({ seriesId: t.services.db.candles.find({ ...btc, timeframe: "1h" })!.id, timeframe: "1m" });
    await expect(wrong).rejects.toThrow(/cannot be made from 1h/);
  }, 120_000);
});

describe("data page: series list", () => {
  it("lists each series with the exchange's display name, its size on disk and its gaps", async () => {
    const hours: Candle[] = makeCandles({ start: T0, intervalMs: H, count: 500, seed: 3 }).filter((_, i) => i < 100 || i >= 130);
    fake = await startFakeExchange({ interval: "1h", candles: { BTCUSDT: hours }, closedAtStart: hours.length });
    t = testServices({ exchangeFactory: exchangesAt(fake.url) });
    const { jobId } = await t.caller.markets.download({ market: { ...btc, timeframe: "1h" }, since: T0, until: T0 + 500 * H });
    const end = await t.services.downloads.wait(jobId);
    expect(end).toMatchObject({ status: "done", gapCount: 1, fetched: 470 });
    const [row] = await t.caller.markets.list();
    expect(row).toMatchObject({ exchange: "binance", exchangeName: "Binance", count: 470, gaps: { count: 1, missing: 30, gaps: [{ after: T0 + 99 * H, before: T0 + 130 * H, missing: 30 }] } });
    expect(row!.bytes).toBeGreaterThanOrEqual(470 * 6 * 8);
    const exchanges = await t.caller.markets.exchanges();
    expect(exchanges).toContainEqual({ id: "binance", name: "Binance" });
    expect(exchanges.find((e) => e.id === "okx")?.name).toBe("OKX");
    const m = await t.caller.markets.exchangeMarkets({ exchange: "binance" });
    expect(m.markets).toContainEqual({ symbol: "BTC/USDT", base: "BTC", quote: "USDT" });
    expect(m.timeframes).toEqual(expect.arrayContaining(["1m", "1h", "1d"]));
  }, 60_000);
});

describe("data page: a server restart mid-download", () => {
  it("continues the download from the last stored candle on the next start, with no hole and no duplicate", async () => {
    const hours: Candle[] = makeCandles({ start: T0, intervalMs: H, count: 3000, seed: 5 });
    fake = await startFakeExchange({ interval: "1h", candles: { BTCUSDT: hours }, closedAtStart: hours.length });
    const dir = tempDir();
    const config = { host: "127.0.0.1", port: 0, token: undefined, dataDir: dir, exchange: { ...DEFAULT_EXCHANGE_SETTINGS, urls: { binance: fake.url }, ccxtRateLimitMs: 1 } };
    const first = createServices(config, { demo: false });
    const caller = createCaller(createContext(first));
    // The second page never answers: the server is stopped while it waits.
    let pages = 0;
    const { jobId } = await caller.markets.download({ market: { ...btc, timeframe: "1h" }, since: T0, until: T0 + 3000 * H });
    for await (const p of await caller.markets.downloadProgress({ jobId })) {
      if (p.pages === 1 && pages++ === 0) {
        fake.faults.inject({ kind: "timeout" }, { path: "/api/v3/klines" });
        break;
      }
    }
    expect((await caller.markets.downloads()).map((d) => d.jobId)).toEqual([jobId]);
    await first.close();

    const second = createServices(config, { demo: false });
    try {
      const again = second.downloads.list();
      expect(again).toHaveLength(1);
      const done = await second.downloads.wait(again[0]!.jobId);
      expect(done).toMatchObject({ status: "done", from: T0 + 1000 * H, added: 2000 });
      const stored = second.db.candles.read(second.db.candles.find({ ...btc, timeframe: "1h" })!.id);
      expect(stored.length).toBe(3000);
      expect(findGaps(stored.time, H).count).toBe(0);
      expect(second.downloads.list()).toEqual([]);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
