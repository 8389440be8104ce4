// A live bot on the fake Binance, driven in a real browser: the review step shows the pre-flight's
// numbers (stops resting as an OCO), the stop rests on the exchange and fills there, a second
// position is closed by hand, the drift report reads the fake's spread, and the alerts page sends a
// test alert to a loopback receiver. Screenshots in test/artifacts (3x-*.png).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import type { createServices } from "@keyflow/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { until } from "../bots/harness";
import { buildWeb, shot as shotOf, startEnvApp, tid } from "./harness";

const START = Date.UTC(2024, 4, 1);
let fake: FakeExchange;
let services: ReturnType<typeof createServices> | undefined;
let app: Awaited<ReturnType<typeof startEnvApp>> | undefined;
let page: Page;
let hook: Server | undefined;
let hookUrl = "";
const hooked: string[] = [];
const shot = (name: string) => shotOf(page, name);

beforeAll(async () => {
  buildWeb();
  fake = await startFakeExchange({
    candles: { BTCUSDT: makeCandles({ start: START, count: 1500, seed: 61 }), ETHUSDT: makeCandles({ start: START, count: 1500, seed: 62, startPrice: 2000 }) },
    closedAtStart: 120,
    balances: { USDT: 20_000, BTC: 0, ETH: 0 },
    spreadBps: 10,
  });
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      hooked.push(body);
      res.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((r) => hook!.listen(0, "127.0.0.1", r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/keyflow`;
  app = await startEnvApp("stops", { binance: fake.url }, {
    KEYFLOW_BOT_POLL_MS: "100",
    // The REST path: stepUntil counts the bot's candle polls (streams: apps/server/test/streams.test.ts).
    KEYFLOW_STREAMS: "off",
  });
  services = app.services;
  const k = fake.keys.trade!;
  await services.keys.add({ exchange: "binance", label: "Binance trading", apiKey: k.apiKey, secret: k.secret });
  ({ page } = app);
  page.on("dialog", (d) => void d.accept());
}, 180_000);

afterAll(async () => {
  await app?.close();
  await fake?.close();
  await new Promise((r) => (hook ? hook.close(r) : r(undefined)));
});

const bot = () => services!.db.bots.list()[0]!;
const lastClosed = () => fake.engine.closedCandles("BTCUSDT").at(-1)![0];

const klines = () => fake.stats.count({ path: "/api/v3/klines" });

/**
 * Closes candles one at a time, each once the bot has processed the previous one and made one more
 * poll (its fills and protective orders followed: a poll asks for candles only after that), until `done`.
 */
async function stepUntil(what: string, done: () => boolean, max = 400): Promise<void> {
  for (let i = 0; i < max && !done(); i++) {
    fake.advance();
    await until(`the bot to process a candle (${what})`, () => bot().lastBarTime === lastClosed());
    const asked = klines();
    await until(`the bot's next poll (${what})`, () => klines() > asked);
  }
  if (!done()) throw new Error(`not reached: ${what}`);
}

describe("a live bot with stops on the exchange, in a real browser", () => {
  it("shows the pre-flight's numbers in the review step and deploys the live bot", async () => {
    await page.goto(app!.url);
    await page.click(tid("open-templates"));
    await page.click(tid("template-ema-cross-stops"));
    await page.click(tid("deploy-button"));
    await page.waitForSelector(tid("deploy-dialog"));
    await page.selectOption(tid("deploy-timeframe"), "1m");
    await page.fill(tid("deploy-name"), "EMA stops live");
    await page.click(tid("mode-live"));
    await page.selectOption(tid("deploy-key"), { index: 1 });
    await page.click(tid("deploy-review-live"));
    await page.waitForSelector(`${tid("preflight")}[data-ok="true"]`);
    const pf = (await page.textContent(tid("preflight"))) ?? "";
    expect(pf).toMatch(/Free USDT\s*20,000/);
    expect(pf).toContain("rest on the exchange (stop loss and take profit as one OCO order)");
    expect(pf).toMatch(/Warm-up\s*\d+ candles \(its recursive indicators need 104\)/);
    await shot("30-live-preflight");
    await page.check(tid("live-ack"));
    await page.click(tid("live-deploy"));
    await page.waitForSelector(tid("live-confirm"), { state: "detached" });
    await page.waitForSelector(`${tid("bot-row")}:has(${tid("mode-badge")}[data-mode="live"])`);
    expect(bot()).toMatchObject({ mode: "live", name: "EMA stops live" });
  });

  it("after the entry fills, the stop rests on the exchange and fills there; the page shows the exit", async () => {
    const resting = () => fake.engine.openOrders("BTCUSDT").filter((o) => o.type === "STOP_LOSS");
    await stepUntil("an entry with its OCO on the exchange", () => resting().length === 1);
    const stop = resting()[0]!;
    await shot("31-stop-resting");
    await page.locator(tid("order-row")).filter({ hasText: /rest-stopLoss-\d+/ }).first().waitFor();
    // The next candle falls through the stop.
    const c = fake.engine.candles["BTCUSDT"]![fake.engine.closed]!;
    fake.engine.candles["BTCUSDT"]![fake.engine.closed] = [c[0], c[1], Math.max(c[1], c[2]), stop.stopPrice * 0.99, stop.stopPrice * 0.995, c[5]];
    await stepUntil("the stop to fill", () => stop.status === "FILLED", 1);
    await page.locator(`${tid("order-row")}[data-status="filled"]`).filter({ hasText: /rest-stopLoss-\d+/ }).waitFor();
    await page.locator(tid("detail-position")).filter({ hasText: "flat" }).waitFor();
    await page.locator(tid("log-line")).filter({ hasText: /Sell order \(rest-stopLoss-\d+/ }).waitFor();
    expect(fake.engine.openOrders("BTCUSDT")).toEqual([]); // the take-profit leg went with it
    await shot("32-stop-filled");
  });

  it("closes a second position by hand", async () => {
    await stepUntil("a second entry", () => bot().book.qty > bot().book.dust && fake.engine.openOrders("BTCUSDT").length > 0);
    await page.click(tid("bot-close-position"));
    // The bot sends the sell at its next poll; the fake fills market orders on the candle it closes next.
    await until("the close to be sent", () => services!.db.bots.allOrders(bot().id).some((o) => o.intent.startsWith("close-") && o.status !== "pending"));
    await stepUntil("the close to fill", () => bot().book.qty <= bot().book.dust && services!.db.bots.activeOrders(bot().id).length === 0, 3);
    await page.locator(`${tid("order-row")}[data-status="filled"]`).filter({ hasText: /close-/ }).waitFor();
    await page.locator(tid("detail-position")).filter({ hasText: "flat" }).waitFor();
    expect(fake.engine.balance("BTC").free + fake.engine.balance("BTC").locked).toBeLessThan(0.00001);
    await shot("33-closed-by-hand");
  });

  it("reads the drift report: the fake's spread on the fills the backtest also made", async () => {
    await page.click(tid("drift-toggle"));
    await page.waitForSelector(tid("drift-table"));
    const r = await services!.bots.drift(bot().id);
    // The stop the test forced and the manual close are the bot's own; every shared fill paid half the spread.
    // (A stop's level comes from the bot's own entry price, so its exit differs by the entry's spread too.)
    for (const row of r.rows.filter((x) => x.backtest && x.bot && x.side === "buy")) expect(Math.abs(row.slippageBps! - 5)).toBeLessThan(0.01);
    expect(r.rows.some((x) => x.bot?.what.startsWith("close-") && x.backtest === null)).toBe(true);
    expect(await page.textContent(tid("drift-summary"))).toMatch(/% of fills agree/);
    expect(await page.locator(tid("drift-row")).count()).toBe(r.rows.length);
    await shot("34-drift");
  });

  it("alerts page: adds a webhook and sends a test alert that arrives", async () => {
    await page.click(tid("tab-alerts"));
    await page.waitForSelector(tid("alerts-empty"));
    await page.fill(tid("alert-url"), hookUrl);
    await page.fill(tid("alert-secret"), "a-signing-secret-0123456789");
    await page.click(tid("add-alert-submit"));
    expect(await page.inputValue(tid("alert-secret"))).toBe("");
    const card = page.locator(tid("alert-channel"));
    await card.waitFor();
    await card.locator(tid("alert-test")).click();
    await card.locator(`${tid("alert-status")}[data-ok="true"]`).filter({ hasText: "Delivered" }).waitFor();
    expect(hooked.some((b) => JSON.parse(b).type === "test")).toBe(true);
    expect(await page.content()).not.toContain("a-signing-secret-0123456789");
    await shot("35-alerts");
  });
});
