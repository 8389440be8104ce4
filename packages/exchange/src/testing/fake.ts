// Test wiring: a ccxt binance instance made by createExchange and pointed at the loopback fake.
import type { Exchange } from "ccxt";
import { binanceUrls, makeCandles, startFakeExchange, startVenueFake, type FakeExchange, type FakeExchangeOptions, type FakeKey, type VenueFake, type VenueId } from "../../../../test/fake-exchange/index";
import { createExchange, redirectExchange } from "../createExchange";
import type { RateLimiter } from "../limiter";

export { startFakeExchange, type FakeExchange, type FakeExchangeOptions, type FakeKey };

export interface Harness {
  fake: FakeExchange;
  connect(opts?: { key?: FakeKey | { apiKey: string; secret: string }; limiter?: RateLimiter; timeoutMs?: number; exchangeId?: string }): Exchange;
  close(): Promise<void>;
}

export async function harness(opts: FakeExchangeOptions = {}): Promise<Harness> {
  const fake = await startFakeExchange(opts);
  const made: Exchange[] = [];
  return {
    fake,
    connect({ key = fake.keys.trade!, limiter, timeoutMs, exchangeId = "binance" } = {}) {
      const ex = createExchange({
        exchangeId,
        credentials: { apiKey: key.apiKey, secret: key.secret },
        urlsOverride: binanceUrls(fake.url),
        options: { fetchMarkets: { types: ["spot"] }, fetchMargins: false },
        ccxtRateLimitMs: 1,
        ...(limiter ? { limiter } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      made.push(ex);
      return ex;
    },
    async close() {
      for (const ex of made.splice(0)) await ex.close();
      await fake.close();
    },
  };
}

/**
 * A venue fake trading BTC/USDT and ETH/USDT from `start` (40 one-minute candles of `seed` and
 * `seed + 1`, the first 10 closed, 50,000 USDT on the account), and ccxt's own class of that venue on
 * its trading key, pointed at it. Close closes both.
 */
export async function venueTrading(venue: VenueId, start: number, seed: number): Promise<{ fake: VenueFake; ex: Exchange; close(): Promise<void> }> {
  const fake = await startVenueFake(venue, {
    candles: { BTCUSDT: makeCandles({ start, count: 40, seed }), ETHUSDT: makeCandles({ start, count: 40, seed: seed + 1, startPrice: 2000 }) },
    closedAtStart: 10,
    balances: { USDT: 50_000, BTC: 0, ETH: 0 },
  });
  const k = fake.keys.trade!;
  const ex = redirectExchange(
    createExchange({ exchangeId: venue, credentials: { apiKey: k.apiKey, secret: k.secret, ...(k.passphrase ? { password: k.passphrase } : {}) }, ccxtRateLimitMs: 1, timeoutMs: 3000 }),
    fake.url,
  );
  return {
    fake,
    ex,
    async close() {
      await ex.close();
      await fake.close();
    },
  };
}
