// A paper bot over two markets (a strategy with markets of its own) on the loopback fake Binance,
// seen on the Bots page: each market's position, round trips and skipped entries, as the server has them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { getTemplate } from "@keyflow/core";
import { configFromEnv, createServices, startHttpServer, type RunningServer } from "@keyflow/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { buildWeb, openBrowser, shot as shotOf, tid } from "./harness";

const START = Date.UTC(2024, 0, 1);
let fake: FakeExchange;
let dataDir = "";
let services: ReturnType<typeof createServices> | undefined;
let http: RunningServer | undefined;
let browser: Browser | undefined;
let page: Page;
let pageErrors: string[] = [];

beforeAll(async () => {
  buildWeb();
  fake = await startFakeExchange({
    candles: { BTCUSDT: makeCandles({ start: START, count: 300, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: 300, seed: 8, startPrice: 2000 }) },
    closedAtStart: 40,
  });
  dataDir = mkdtempSync(join(tmpdir(), "keyflow-e2e-botgroup-"));
  const config = configFromEnv({
    KEYFLOW_DATA_DIR: dataDir,
    KEYFLOW_PORT: "0",
    KEYFLOW_EXCHANGE_URLS: JSON.stringify({ binance: fake.url }),
    KEYFLOW_BOT_POLL_MS: "100",
    KEYFLOW_CCXT_RATE_LIMIT_MS: "1",
    KEYFLOW_RATE_LIMIT: "50/1000",
  });
  services = createServices(config, { demo: false });
  http = await startHttpServer(services);
  ({ browser, page, pageErrors } = await openBrowser());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await services?.close();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
    await page.goto(http!.url);
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
