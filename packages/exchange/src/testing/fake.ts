// Test wiring: a ccxt binance instance made by createExchange and pointed at the loopback fake.
import type { Exchange } from "ccxt";
import { binanceUrls, startFakeExchange, type FakeExchange, type FakeExchangeOptions, type FakeKey } from "../../../../test/fake-exchange/index";
import { createExchange } from "../createExchange";
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
