// One flow over several markets in a real browser: pick two stored markets next to Backtest, read a
// row per market with the portfolio's totals, open one market's run.
import { generateDemoCandles } from "@keyflow/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shot as shotOf, startApp, tid, type BrowserApp } from "./harness";

let app: BrowserApp | undefined;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  page = app.page;
  // A second demo-exchange market next to DEMO/USDT 1h.
  app.services.db.candles.importCandles({ exchange: "demo", symbol: "ALT/USDT", timeframe: "1h" }, "csv", generateDemoCandles({ seed: 9, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 4000, startPrice: 50 }));
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe("backtest over several markets", () => {
  it("runs the strategy on two markets, shows each with the totals, and opens one", async () => {
    await page.goto(app!.url);
    await page.waitForSelector(tid("compiles-ok"));
    await page.click(tid("markets-button"));
    await page.waitForSelector(tid("markets-modal"));
    expect(await page.locator(tid("markets-choice-DEMO/USDT")).isChecked()).toBe(true);
    await page.check(tid("markets-choice-ALT/USDT"));
    await page.click(tid("markets-run"));
    await page.waitForSelector(tid("markets-total"), { timeout: 90_000 });
    const rows = await page.locator(`${tid("markets-table")} tbody tr`).evaluateAll((els) => els.map((e) => [e.getAttribute("data-testid"), e.getAttribute("data-status")]));
    expect(rows).toEqual([
      ["markets-row-DEMO/USDT", "done"],
      ["markets-row-ALT/USDT", "done"],
    ]);
    // The totals are the server's portfolio of exactly these runs.
    const runs = await app!.client.backtests.listForStrategy.query({ strategyId: (await app!.client.strategies.list.query())[0]!.id });
    const ids = ["DEMO/USDT", "ALT/USDT"].map((s) => runs.find((r) => r.symbol === s)!.id);
    const summary = await app!.client.backtests.markets.query({ runIds: ids });
    expect(await page.textContent(tid("markets-total"))).toContain(String(summary.portfolio!.trades));
    expect(summary.portfolio!.trades).toBe(summary.rows[0]!.trades! + summary.rows[1]!.trades!);
    await shotOf(page, "markets-01-table");
    await page.click(tid("markets-open-ALT/USDT"));
    await page.waitForSelector(`${tid("results")}[data-run-id="${ids[1]}"]`);
    expect(await page.textContent(tid("results"))).toContain("ALT/USDT");
    await shotOf(page, "markets-02-opened");
    expect(app!.pageErrors).toEqual([]);
  });
});
