// The bot candle feed against OKX's fake: OKX answers at most 300 candles a request (ccxt's okx asks for
// no more), so a catch-up or warm-up longer than that takes several pages.
import type { Bar } from "@keyflow/core";
import { createExchange, redirectExchange, Retrier } from "@keyflow/exchange";
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startVenueFake, type VenueFake } from "../../../test/fake-exchange/index";
import { CandleFeed } from "../src/bots/candleFeed";

const CLOSED = 700;
// Current candles: the newest closed one is the last whole minute's (OKX serves recent candles from
// its `candles` endpoint, 300 at most; ccxt picks the endpoint from the clock).
const START = Math.floor(Date.now() / 60_000) * 60_000 - CLOSED * 60_000;

describe("the bot candle feed on OKX (fake)", () => {
  let fake: VenueFake;
  let ex: Exchange;
  let feed: CandleFeed;
  const bars = (): Bar[] => fake.engine.closedCandles("BTCUSDT").map(([time, open, high, low, close, volume]) => ({ time, open, high, low, close, volume }));
  const candleRequests = () => fake.requests.filter((r) => r.path.startsWith("/api/v5/market/") && r.path.endsWith("candles")).length;

  beforeAll(async () => {
    fake = await startVenueFake("okx", { candles: { BTCUSDT: makeCandles({ start: START, count: CLOSED + 5, seed: 11 }), ETHUSDT: makeCandles({ start: START, count: CLOSED + 5, seed: 12 }) }, closedAtStart: CLOSED });
    ex = redirectExchange(createExchange({ exchangeId: "okx", ccxtRateLimitMs: 1, timeoutMs: 3000 }), fake.url);
    feed = new CandleFeed(ex, new Retrier(), { exchange: "okx", symbol: "BTC/USDT", timeframe: "1m" });
  });
  afterAll(async () => {
    await ex?.close();
    await fake?.close();
  });

  it("catches up on more than one OKX page: every closed candle since the start, oldest first", async () => {
    const before = candleRequests();
    const got = await feed.since(START);
    expect(got).toEqual(bars());
    expect(got.length).toBe(CLOSED);
    // 300 a page: at least three requests.
    expect(candleRequests() - before).toBeGreaterThanOrEqual(3);
  });

  it("reads a range longer than a page", async () => {
    const from = START + 100 * 60_000;
    const to = START + 650 * 60_000;
    expect(await feed.range(from, to)).toEqual(bars().filter((b) => b.time >= from && b.time < to));
  });

  it("warms up on more candles than a page holds", async () => {
    expect(await feed.latest(500)).toEqual(bars().slice(-500));
  });
});
