// One flow over several markets in a real browser: pick two stored markets next to Backtest, set the
// shared-cash rules, run the portfolio, and read the portfolio with a row per market.
import { generateDemoCandles } from "@keyflow/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shot as shotOf, startApp, tid, type BrowserApp } from "./harness";

let app: BrowserApp | undefined;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  page = app.page;
  // A second demo-exchange market over the same hours as DEMO/USDT 1h.
  const demo = app.services.db.candles.find({ exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" })!;
  app.services.db.candles.importCandles({ exchange: "demo", symbol: "ALT/USDT", timeframe: "1h" }, "csv", generateDemoCandles({ seed: 9, timeframe: "1h", start: demo.firstTime!, bars: demo.count, startPrice: 50 }));
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe("backtest over several markets", () => {
  it("runs the strategy on two markets as one portfolio on shared cash and shows the portfolio and each market", async () => {
    await page.goto(app!.url);
    await page.waitForSelector(tid("compiles-ok"));
    await page.click(tid("markets-button"));
    await page.waitForSelector(tid("markets-modal"));
    expect(await page.locator(tid("markets-choice-DEMO/USDT")).isChecked()).toBe(true);
    await page.check(tid("markets-choice-ALT/USDT"));
    await page.fill(tid("markets-max-open"), "1");
    await page.fill(tid("markets-budget"), "8000");
    await page.click(tid("markets-run"));
    await page.waitForSelector(tid("markets-total"), { timeout: 90_000 });
    const rows = await page.locator(`${tid("markets-table")} tbody tr`).evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")));
    expect(rows).toEqual(["markets-row-DEMO/USDT", "markets-row-ALT/USDT"]);
    // What the page shows is the stored portfolio run.
    const id = (await page.getAttribute(tid("markets-result"), "data-portfolio-id"))!;
    const run = await app!.client.backtests.portfolio.query({ id });
    expect(run.rules).toEqual({ maxOpenPositions: 1, budgetPerPosition: 8000 });
    expect(run.markets.map((m) => m.symbol)).toEqual(["DEMO/USDT", "ALT/USDT"]);
    const total = (await page.textContent(tid("markets-total")))!;
    expect(total).toContain(String(run.metrics.trades));
    expect(total).toContain(String(run.markets[0]!.skippedEntries + run.markets[1]!.skippedEntries));
    expect(run.markets[0]!.skippedEntries + run.markets[1]!.skippedEntries).toBeGreaterThan(0);
    expect(await page.textContent(tid("markets-rules-used"))).toContain("at most 1 open");
    // The choice is saved with the strategy.
    const strategyId = (await app!.client.strategies.list.query())[0]!.id;
    const saved = await app!.client.strategies.get.query({ id: strategyId });
    expect(saved.flow.portfolio).toEqual({ symbols: ["DEMO/USDT", "ALT/USDT"], maxOpenPositions: 1, budgetPerPosition: 8000 });
    expect(run.strategyVersion).toBe(saved.latestVersion);
    await shotOf(page, "markets-01-portfolio");
    expect(app!.pageErrors).toEqual([]);
  });
});
