// One flow over several markets in a real browser: pick two stored markets next to Backtest, set the
// shared-cash rules, run the portfolio (queued on the server's workers, followed to the end), read the
// portfolio with a row per market, pin it, export its result file, and find it among the past runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateDemoCandles, parseResultFile } from "@keyflow/core";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, shot as shotOf, startApp, tid, type BrowserApp } from "./harness";

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
    const stored = await app!.client.backtests.portfolio.query({ id });
    const run = { ...stored, markets: stored.markets!, metrics: stored.metrics! };
    expect(run.status).toBe("done");
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

    // Pinned from the dialog: the server keeps it whatever the retention.
    await page.click(tid("markets-pin"));
    await page.waitForSelector(`${tid("markets-pin")}[aria-pressed="true"]`);
    expect((await app!.client.backtests.portfolio.query({ id })).pinned).toBe(true);
    // Its result file names both markets' candles.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(tid("markets-export"))]);
    const file = join(artifacts, download.suggestedFilename());
    await download.saveAs(file);
    const parsed = parseResultFile(JSON.parse(readFileSync(file, "utf8")));
    expect(parsed.ok && "kind" in parsed.bundle && parsed.bundle.markets.map((m) => m.data.symbol)).toEqual(["DEMO/USDT", "ALT/USDT"]);

    // Listed with the strategy's past runs, pinned, with its disk use; a click opens it again.
    await page.click('[aria-label="Close"]');
    await page.click(tid("tab-results"));
    const row = page.locator(`${tid("portfolio-run-row")}[data-run-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator(tid("portfolio-run-pin")).getAttribute("aria-pressed")).toBe("true");
    expect(await row.textContent()).toMatch(/Portfolio of 2 · 1h.*\d+ trades · [\d.]+ [KMG]?B/);
    expect(await page.textContent(tid("runs-disk"))).toMatch(/^1 stored run takes /);
    await shotOf(page, "markets-02-past-runs");
    await row.click();
    await page.waitForSelector(`${tid("markets-result")}[data-portfolio-id="${id}"]`);
    expect(app!.pageErrors).toEqual([]);
  });
});
