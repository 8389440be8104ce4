// The bot page shows how a live bot's trailing stop was moved: on a market that cannot amend in place
// (the fake Binance with cancelReplaceAllowed false) each move is a cancel and a new order, and the
// orders table shows the gap without an order, as journalled. Screenshot in test/artifacts (3a-*.png).
import type { Page } from "playwright-core";
import { getTemplate } from "@keyflow/core";
import type { createServices } from "@keyflow/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { buildWeb, shot as shotOf, startEnvApp, tid } from "./harness";

const START = Date.UTC(2024, 6, 1);
let fake: FakeExchange;
let services: ReturnType<typeof createServices> | undefined;
let app: Awaited<ReturnType<typeof startEnvApp>> | undefined;
let page: Page;

beforeAll(async () => {
  buildWeb();
  fake = await startFakeExchange({
    candles: { BTCUSDT: makeCandles({ start: START, count: 1500, seed: 21 }), ETHUSDT: makeCandles({ start: START, count: 1500, seed: 22, startPrice: 2000 }) },
    closedAtStart: 60,
    balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
    cancelReplace: false,
  });
  app = await startEnvApp("amend", { binance: fake.url }, {
    KEYFLOW_BOT_POLL_MS: "50",
    KEYFLOW_PROBATION: "off",
  });
  services = app.services;
  ({ page } = app);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

describe("the bot page shows each amendment of a resting stop", () => {
  it("a stop cancelled and placed again is marked as replaced, with the measured gap", async () => {
    const k = fake.keys.trade!;
    const key = await services!.keys.add({ exchange: "binance", label: "Binance trading", apiKey: k.apiKey, secret: k.secret });
    const flow = structuredClone(getTemplate("sma-cross")!.flow);
    flow.market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" };
    flow.settings = { ...flow.settings, feeRate: 0.001, initialCash: 10_000 };
    for (const n of flow.nodes) {
      if (n.id === "fast") n.params = { period: 3 };
      if (n.id === "slow") n.params = { period: 8 };
    }
    flow.nodes.push({ id: "tr", kind: "trailingStop", params: { pct: 0.4 }, position: { x: 0, y: 0 } });
    flow.edges.push({ id: "e-tr", source: "buy", sourceHandle: "order", target: "tr", targetHandle: "order" });
    const botId = services!.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, name: "Trailing live" }).id;
    const db = services!.db;
    const lastClosed = () => fake.engine.closedCandles("BTCUSDT").at(-1)![0];
    const replaced = () => db.bots.allOrders(botId).filter((o) => o.amendMode === "cancel-replace" && o.gapMs !== null);
    for (let i = 0; i < 400 && replaced().length < 2; i++) {
      const deadline = Date.now() + 10_000;
      while (db.bots.get(botId)!.lastBarTime !== lastClosed()) {
        if (Date.now() > deadline) throw new Error("the bot did not process a candle");
        await new Promise((r) => setTimeout(r, 10));
      }
      fake.advance();
    }
    expect(replaced().length).toBeGreaterThanOrEqual(2);

    await page.goto(app!.url);
    await page.click(tid("tab-bots"));
    await page.locator(tid("bot-row")).first().click();
    await page.waitForSelector(tid("bot-detail"));
    const first = replaced()[0]!;
    const note = page.locator(`${tid("order-row")} ${tid("order-amend")}[data-mode="cancel-replace"]`).filter({ hasText: `replaced · ${first.gapMs} ms gap` });
    await note.first().waitFor();
    expect(await note.first().getAttribute("data-gap")).toBe(String(first.gapMs));
    // Nothing here was amended in place: the market does not allow it.
    expect(await page.locator(`${tid("order-amend")}[data-mode="edit"]`).count()).toBe(0);
    await shotOf(page, "3a-stop-replaced-gap");
  }, 180_000);
});
