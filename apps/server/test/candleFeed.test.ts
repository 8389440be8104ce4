// The bot candle feed against venue fakes whose pages are short: OKX answers at most 300 candles a
// request, and ccxt's bitget asks Bitget's history endpoint (candles older than 30 days at 1m) for at
// most 200, serving the END of a longer window. A catch-up or warm-up longer than a page takes several.
import type { Bar } from "@keyflow/core";
import { createExchange, redirectExchange, Retrier } from "@keyflow/exchange";
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startVenueFake, type VenueFake, type VenueId } from "../../../test/fake-exchange/index";
import { CandleFeed } from "../src/bots/candleFeed";

const CLOSED = 700;
const MINUTE = 60_000;
const now = Math.floor(Date.now() / MINUTE) * MINUTE;
/** Where each venue's stream starts: OKX's is current (its recent `candles` endpoint), Bitget's 60 days old (its history endpoint). */
const CASES: { venue: VenueId; start: number; candlePaths: RegExp }[] = [
  { venue: "okx", start: now - CLOSED * MINUTE, candlePaths: /^\/api\/v5\/market\/(history-)?candles$/ },
  { venue: "bitget", start: now - 60 * 1440 * MINUTE, candlePaths: /^\/api\/v2\/spot\/market\/(history-)?candles$/ },
];

describe.each(CASES)("the bot candle feed on $venue (fake)", ({ venue, start: START, candlePaths }) => {
  let fake: VenueFake;
  let ex: Exchange;
  let feed: CandleFeed;
  const bars = (): Bar[] => fake.engine.closedCandles("BTCUSDT").map(([time, open, high, low, close, volume]) => ({ time, open, high, low, close, volume }));
  const candleRequests = () => fake.requests.filter((r) => candlePaths.test(r.path)).length;

  beforeAll(async () => {
    fake = await startVenueFake(venue, { candles: { BTCUSDT: makeCandles({ start: START, count: CLOSED + 5, seed: 11 }), ETHUSDT: makeCandles({ start: START, count: CLOSED + 5, seed: 12 }) }, closedAtStart: CLOSED });
    ex = redirectExchange(createExchange({ exchangeId: venue, ccxtRateLimitMs: 1, timeoutMs: 3000 }), fake.url);
    feed = new CandleFeed(ex, new Retrier(), { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" });
  });
  afterAll(async () => {
    await ex?.close();
    await fake?.close();
  });

  it("catches up on more than one page: every closed candle since the start, oldest first", async () => {
    const before = candleRequests();
    const got = await feed.since(START);
    expect(got).toEqual(bars());
    expect(got.length).toBe(CLOSED);
    // 300 (OKX) or 200 (Bitget) a page: at least three requests.
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
