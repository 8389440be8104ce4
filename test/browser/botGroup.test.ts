// A paper bot over two markets (a strategy with markets of its own) on the loopback fake Binance,
// seen on the Bots page: each market's position, round trips and skipped entries, as the server has them.
import type { Page } from "playwright-core";
import { getTemplate } from "@keyflow/core";
import type { createServices } from "@keyflow/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { buildWeb, shot as shotOf, startEnvApp, tid } from "./harness";

const START = Date.UTC(2024, 0, 1);
let fake: FakeExchange;
let services: ReturnType<typeof createServices> | undefined;
let app: Awaited<ReturnType<typeof startEnvApp>> | undefined;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  buildWeb();
  fake = await startFakeExchange({
    candles: { BTCUSDT: makeCandles({ start: START, count: 300, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: 300, seed: 8, startPrice: 2000 }) },
    closedAtStart: 40,
  });
  app = await startEnvApp("botgroup", { binance: fake.url }, {
    KEYFLOW_BOT_POLL_MS: "100",
  });
  services = app.services;
  ({ page, pageErrors } = app);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

describe("a bot over several markets in a real browser", () => {
  it("shows each market's position, round trips and skipped entries", async () => {
    const base = getTemplate("sma-cross")!.flow;
    const flow = {
      ...base,
      market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" as const },
      portfolio: { symbols: ["BTC/USDT", "ETH/USDT"], maxOpenPositions: 1, budgetPerPosition: 5000 },
    };
    const bot = services!.bots.deploy({ flow });
    const caughtUp = async () => {
      for (let i = 0; i < 600 && services!.db.bots.get(bot.id)!.lastBarTime !== fake.engine.closedCandles("BTCUSDT").at(-1)![0]; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await caughtUp();
    while (fake.engine.closed < 300) {
      fake.advance(20);
      await caughtUp();
    }
    const detail = services!.bots.get(bot.id);
    expect(detail.markets!.every((m) => m.trades.length > 0)).toBe(true);
    await page.goto(app!.url);
    await page.click(tid("tab-bots"));
    await page.waitForSelector(tid("bot-group-markets"));
    for (const m of detail.markets!) {
      const row = (await page.textContent(tid(`bot-group-row-${m.symbol}`)))!;
      expect(row).toContain(m.symbol);
      expect(row).toContain(String(m.trades.length));
    }
    await shotOf(page, "botgroup-01-markets");
    expect(pageErrors).toEqual([]);
  });
});
