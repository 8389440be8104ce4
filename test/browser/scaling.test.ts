// Scaling in and out in a real browser: the DCA template's safety orders and a take-profit step in
// the Inspector, a refused step size pointed at its field, then a backtest with a row per exit.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backtestShown, dragWire, dropBlock, getRun, shot as shotOf, startApp, tid, type BrowserApp } from "./harness";

let app: BrowserApp | undefined;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  page = app.page;
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe("scaling in and out", () => {
  it("edits the DCA template's safety orders, adds a take-profit step by dragging, and backtests a row per exit", async () => {
    await page.goto(app!.url);
    await page.click(tid("open-templates"));
    await page.click(tid("template-dca-safety-orders"));
    await page.waitForSelector(tid("node-so"));
    await page.waitForSelector(tid("compiles-ok"));
    await page.locator(`${tid("node-so")} .bn-title`).click();
    const form = (await page.textContent(tid("inspector"))) ?? "";
    for (const words of ["Orders", "Step %", "Size as", "Size × per order"]) expect(form).toContain(words);
    // 40 orders 2.5 % apart would reach zero: refused at the step's field, the backtest held back.
    await page.fill(tid("param-count"), "40");
    expect(await page.textContent(tid("param-error-stepPct"))).toMatch(/2\.47/);
    expect(await page.locator(tid("backtest-button")).isDisabled()).toBe(true);
    await shotOf(page, "scaling-01-safety-orders-refused");
    await page.fill(tid("param-count"), "3");
    await page.waitForSelector(tid("compiles-ok"));

    await page.fill(tid("palette-search"), "scale out");
    await dropBlock(page, "partialTakeProfit", 560, 640);
    await page.waitForSelector(tid("node-partialTakeProfit-1"));
    await page.fill(tid("palette-search"), "");
    await dragWire(page, "handle-buy-out-order", "handle-partialTakeProfit-1-in-order");
    await page.locator(`${tid("node-partialTakeProfit-1")} .bn-title`).click();
    await page.fill(tid("param-pct"), "1.5");
    await page.fill(tid("param-sellPct"), "50");
    await page.waitForSelector(tid("compiles-ok"));
    await shotOf(page, "scaling-02-take-profit-step");

    const run = await getRun(app!.client, await backtestShown(page));
    expect(run.status).toBe("done");
    // A step and the rest of its position: two rows with the same entry.
    const trades = run.trades!;
    expect(trades.some((t, i) => i > 0 && t.entryTime === trades[i - 1]!.entryTime)).toBe(true);
    // The trades table marks the rows a step sold part of a position in.
    await page.waitForSelector(tid("trade-part"));
    await shotOf(page, "scaling-03-results");
    expect(app!.pageErrors).toEqual([]);
  });
});
