// A LIVE bot over two markets (a strategy with markets of its own) deployed in a real browser on the
// loopback fake Binance: the review step runs the pre-flight for every market, the group trades both
// markets on the exchange under one slot, the Bots page shows each market as the server has it, and
// the kill switch stops the group and cancels what it had resting. Screenshots in test/artifacts.
import type { Page } from "playwright-core";
import { getTemplate } from "@keyflow/core";
import type { createServices } from "@keyflow/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { until } from "../bots/harness";
import { buildWeb, shot as shotOf, startEnvApp, tid } from "./harness";

const START = Date.UTC(2024, 0, 1);
const SYMBOLS = ["BTC/USDT", "ETH/USDT"] as const;
const COUNT = 700;
let fake: FakeExchange;
let services: ReturnType<typeof createServices> | undefined;
let app: Awaited<ReturnType<typeof startEnvApp>> | undefined;
let page: Page;
let pageErrors: string[] = [];
let secrets: string[] = [];
const shot = (name: string) => shotOf(page, name);

beforeAll(async () => {
  buildWeb();
  fake = await startFakeExchange({
    candles: { BTCUSDT: makeCandles({ start: START, count: COUNT, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: COUNT, seed: 8, startPrice: 2000 }) },
    closedAtStart: 150,
    balances: { USDT: 20_000, BTC: 0, ETH: 0 },
  });
  app = await startEnvApp("livegroup", { binance: fake.url }, { KEYFLOW_BOT_POLL_MS: "100" });
  services = app.services;
  const k = fake.keys.trade!;
  secrets = [k.apiKey, k.secret];
  await services.keys.add({ exchange: "binance", label: "Binance trading", apiKey: k.apiKey, secret: k.secret });
  ({ page, pageErrors } = app);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

const groupBot = () => services!.db.bots.list()[0]!;
const lastClosed = () => fake.engine.closedCandles("BTCUSDT").at(-1)![0];
/** The stop-loss legs resting on the fake, in any market. */
const resting = () => SYMBOLS.flatMap((s) => fake.engine.openOrders(s.replace("/", ""))).filter((o) => o.type === "STOP_LOSS");
/** The fake's orders of one market that filled. */
const filled = (market: string) => fake.engine.orders.filter((o) => o.symbol === market && o.status === "FILLED");

describe("a live bot over several markets in a real browser", () => {
  it("deploys through the review, whose pre-flight covers every market", async () => {
    // EMA cross with a stop loss and a take profit: each market's exits rest on the exchange as an OCO.
    const base = getTemplate("ema-cross-stops")!.flow;
    const flow = {
      ...base,
      name: "EMA stops · BTC + ETH",
      market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" as const },
      portfolio: { symbols: [...SYMBOLS], maxOpenPositions: 2, budgetPerPosition: 5000 },
    };
    await page.goto(app!.url);
    await page.click(tid("open-import"));
    await page.fill(tid("import-text"), JSON.stringify(flow));
    await page.click(tid("import-apply"));
    await page.waitForSelector(tid("compiles-ok"));
    await page.click(tid("deploy-button"));
    await page.waitForSelector(tid("deploy-dialog"));
    expect(await page.getAttribute(tid("mode-paper"), "aria-checked")).toBe("true");
    await page.click(tid("mode-live"));
    await page.selectOption(tid("deploy-key"), { index: 1 });
    await page.click(tid("deploy-review-live"));
    await page.waitForSelector(`${tid("preflight")}[data-ok="true"]`);
    const pf = (await page.textContent(tid("preflight"))) ?? "";
    for (const s of SYMBOLS) expect(pf).toContain(`Smallest order ${s}`);
    expect(pf).toMatch(/Free USDT\s*20,000/);
    expect(pf).toMatch(/Smallest order BTC\/USDT[^·]*· stops rest on the exchange \(stop loss and take profit as one OCO order\)/);
    await shot("livegroup-01-review");
    await page.check(tid("live-ack"));
    await page.click(tid("live-deploy"));
    await page.waitForSelector(tid("live-confirm"), { state: "detached" });
    await page.waitForSelector(`${tid("bot-row")}:has(${tid("mode-badge")}[data-mode="live"])`);
    expect(groupBot()).toMatchObject({ mode: "live", flow: { portfolio: { symbols: [...SYMBOLS], maxOpenPositions: 2 } } });
  });

  it("trades both markets on the exchange; the page shows each market's round trips and orders as the server has them", async () => {
    const id = groupBot().id;
    const caughtUp = () => until("the group to process the newest candle", () => groupBot().lastBarTime === lastClosed());
    await caughtUp();
    const roundTrips = () => services!.bots.get(id).markets!.map((m) => m.trades.length);
    // One candle at a time, as the market closes them, until both markets have a round trip and a position's OCO rests.
    while (fake.engine.closed < COUNT && !(roundTrips().every((n) => n > 0) && resting().length > 0)) {
      fake.advance();
      await caughtUp();
    }
    expect(resting().length).toBeGreaterThan(0);
    const detail = services!.bots.get(id);
    expect(detail.markets!.map((m) => m.symbol)).toEqual([...SYMBOLS]);
    // Every round trip the group journals was traded on the exchange: a buy and a sell filled there per trip.
    for (const m of detail.markets!) {
      expect(m.trades.length).toBeGreaterThan(0);
      const market = m.symbol.replace("/", "");
      expect(filled(market).filter((o) => o.side === "BUY").length).toBeGreaterThanOrEqual(m.trades.length);
      expect(filled(market).filter((o) => o.side === "SELL").length).toBeGreaterThanOrEqual(m.trades.length);
    }
    // Each entry is sized on the group's budget per position, capped while the bot starts small (10 %: 500 USDT).
    const buys = SYMBOLS.flatMap((s) => filled(s.replace("/", "")).filter((o) => o.side === "BUY"));
    for (const o of buys) expect(o.cummulativeQuoteQty).toBeGreaterThan(400);
    for (const o of buys) expect(o.cummulativeQuoteQty).toBeLessThanOrEqual(500);

    await page.click(tid("tab-bots"));
    await page.waitForSelector(tid("bot-group-markets"));
    for (const m of detail.markets!) {
      await page.locator(`${tid(`bot-group-row-${m.symbol}`)} td:nth-child(3)`).filter({ hasText: new RegExp(`^${m.trades.length}$`) }).waitFor();
    }
    // The journal names each order's market, and its amount is in that market's base asset.
    const rows = await page.locator(tid("order-row")).evaluateAll((els) => els.map((e) => [e.querySelector('[data-testid="order-market"]')?.textContent ?? "", e.children[4]?.textContent ?? ""]));
    expect(new Set(rows.map(([m]) => m))).toEqual(new Set(SYMBOLS));
    for (const [m, amount] of rows) expect(amount).toMatch(new RegExp(` ${m!.split("/")[0]}$`));
    await shot("livegroup-02-markets");
  });

  it("the kill switch stops the group and cancels every market's resting orders", async () => {
    // Every order working on the exchange (an OCO's two legs are two orders).
    const before = SYMBOLS.flatMap((s) => fake.engine.openOrders(s.replace("/", ""))).length;
    expect(before).toBeGreaterThan(0);
    await page.click(tid("kill-switch"));
    await page.waitForSelector(tid("kill-dialog"));
    expect(await page.textContent(tid("kill-dialog"))).toMatch(/Stops 1 bot \(1 live\)/);
    await page.click(tid("kill-confirm"));
    await page.locator(tid("kill-result")).waitFor();
    expect(await page.textContent(tid("kill-result"))).toMatch(new RegExp(`Kill switch: 1 bot stopped, ${before} open orders? cancelled`));
    await page.locator(`${tid("bot-row")}[data-status="stopped"]`).waitFor();
    for (const s of SYMBOLS) expect(fake.engine.openOrders(s.replace("/", ""))).toEqual([]);
    const seen = `${await page.content()}${String(await page.evaluate("JSON.stringify({ ...localStorage, ...sessionStorage })"))}`;
    for (const s of secrets) expect(seen).not.toContain(s);
    await shot("livegroup-03-killed");
    expect(pageErrors).toEqual([]);
  });
});
