import { afterEach, describe, expect, it } from "vitest";
import { downloadCandles, type DownloadState } from "../src/data/download";
import { createPublicExchange, redirectExchange } from "../src/data/exchangeFactory";
import { startFakeBinance, type FakeBinance } from "./fakeBinance";
import { testServices } from "./helpers";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
/** 2,500 hours with hours 1200–1204 missing (an exchange outage). */
const TIMES = Array.from({ length: 2500 }, (_, i) => T0 + i * H).filter((_, i) => i < 1200 || i > 1204);
const req = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" as const, since: T0 };

let fake: FakeBinance | undefined;
let t: ReturnType<typeof testServices> | undefined;
afterEach(async () => {
  await fake?.close();
  await t?.close();
  fake = t = undefined;
});

const binanceAt = (url: string) => async (id: string) => redirectExchange(await createPublicExchange(id), url);

describe("candle download through ccxt", () => {
  it("pages forward, reports the gap, waits out a 429 with Retry-After, and never signs", async () => {
    fake = await startFakeBinance({ times: TIMES, intervalMs: H, rateLimitOn: [2], retryAfterSeconds: 3 });
    t = testServices();
    const ex = await binanceAt(fake.url)("binance");
    const waits: number[] = [];
    const states: DownloadState[] = [];
    const result = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H }, {
      sleep: async (ms) => void waits.push(ms),
      onProgress: (s) => states.push(s),
    });
    expect(result).toMatchObject({ status: "done", percent: 100, fetched: 2495, added: 2495, error: null });
    expect(result.gaps).toEqual([{ after: T0 + 1199 * H, before: T0 + 1205 * H, missing: 5 }]);
    expect(waits).toEqual([3000]);
    expect(states.some((s) => s.note?.startsWith("Rate limited by the exchange"))).toBe(true);
    const percents = states.filter((s) => s.status === "running").map((s) => s.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    const klines = fake.requests.filter((r) => r.path === "/api/v3/klines");
    // Pages of 1000 from `since`; the rate-limited page is asked again; the last page ends at `until`.
    expect(klines.map((r) => r.query.get("limit"))).toEqual(["1000", "1000", "1000", "1000"]);
    expect(klines.map((r) => Number(r.query.get("startTime")))).toEqual([T0, T0 + 1000 * H, T0 + 1000 * H, T0 + 2005 * H]);
    for (const r of fake.requests) {
      expect(r.query.has("signature")).toBe(false);
      expect(r.headers["x-mbx-apikey"]).toBeUndefined();
    }
    const series = t.services.db.candles.find(req)!;
    expect(series).toMatchObject({ count: 2495, firstTime: T0, lastTime: T0 + 2499 * H, source: "exchange" });
  }, 60_000);

  it("resumes after the last stored candle and never duplicates", async () => {
    fake = await startFakeBinance({ times: TIMES, intervalMs: H });
    t = testServices();
    const ex = await binanceAt(fake.url)("binance");
    const first = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 700 * H });
    expect(first).toMatchObject({ status: "done", fetched: 700 });
    const before = fake.requests.length;
    const second = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H });
    expect(second).toMatchObject({ status: "done", from: T0 + 700 * H, fetched: 1795, added: 1795 });
    const resumedAt = fake.requests.slice(before).find((r) => r.path === "/api/v3/klines")!.query.get("startTime");
    expect(Number(resumedAt)).toBe(T0 + 700 * H);
    expect(t.services.db.candles.find(req)!.count).toBe(2495);
    // Nothing new: a third run fetches nothing and says so.
    const third = await downloadCandles(t.services.db, ex, { ...req, until: T0 + 2500 * H });
    expect(third).toMatchObject({ status: "done", fetched: 0 });
    expect(third.note).toMatch(/No new candles/);
  }, 60_000);

  it("explains an unknown symbol and an unknown exchange", async () => {
    fake = await startFakeBinance({ times: TIMES, intervalMs: H });
    t = testServices();
    const ex = await binanceAt(fake.url)("binance");
    const r = await downloadCandles(t.services.db, ex, { ...req, symbol: "NOPE/USDT" });
    expect(r).toMatchObject({ status: "failed" });
    expect(r.error).toMatch(/has no spot market "NOPE\/USDT"/);
    await expect(createPublicExchange("not-an-exchange")).rejects.toThrow(/Unknown exchange "not-an-exchange"/);
  }, 60_000);

  it("runs as a job behind markets.download with an SSE-style progress stream", async () => {
    fake = await startFakeBinance({ times: TIMES, intervalMs: H, rateLimitOn: [1], retryAfterSeconds: 1 });
    t = testServices({ exchangeFactory: binanceAt(fake.url) });
    const { jobId } = await t.caller.markets.download({ market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" }, since: T0, until: T0 + 2500 * H });
    const events = [];
    for await (const e of await t.caller.markets.downloadProgress({ jobId })) events.push(e);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ jobId, status: "done", percent: 100, fetched: 2495, exchange: "binance", symbol: "BTC/USDT" });
    expect(last.gaps).toHaveLength(1);
    expect((await t.caller.markets.list()).map((s) => [s.exchange, s.count])).toEqual([["binance", 2495]]);
  }, 60_000);
});
