// A source on a higher timeframe in a real browser: drag a 1h close, a 4h close and an SMA of the 4h
// closes together, see the inspector refuse a timeframe below the flow's, pick 4h, backtest.
import { describe, expect, it } from "vitest";
import { appForFile, backtestShown, newStrategyWithBlocks, openEditor, shot as shotOf, tid } from "./harness";

const held = appForFile();

describe("a higher timeframe on a price block", () => {
  it("builds a 1h flow on 4h closes, refuses 30m, and backtests with 4h", async () => {
    const { app, page } = held;
    await openEditor(app);
    await newStrategyWithBlocks(
      page,
      [
        ["price", "price", 100, 200],
        ["price", "price", 100, 480],
        ["moving average", "sma", 300, 480],
        ["cross above", "crossAbove", 520, 200],
        ["cross below", "crossBelow", 520, 480],
        ["buy", "buy", 760, 200],
        ["sell", "sell", 760, 480],
      ],
      [
        ["price-2-out-value", "sma-1-in-source"],
        ["price-1-out-value", "crossAbove-1-in-a"],
        ["sma-1-out-value", "crossAbove-1-in-b"],
        ["price-1-out-value", "crossBelow-1-in-a"],
        ["sma-1-out-value", "crossBelow-1-in-b"],
        ["crossAbove-1-out-signal", "buy-1-in-when"],
        ["crossBelow-1-out-signal", "sell-1-in-when"],
      ],
    );
    await page.waitForSelector(tid("compiles-ok"));

    await page.locator(`${tid("node-price-2")} .bn-title`).click();
    // The new flow is on 1h: 30m is not higher.
    await page.selectOption(tid("param-timeframe"), "30m");
    expect(await page.textContent(tid("param-error-timeframe"))).toMatch(/30m is not higher than the flow's 1h/);
    expect(await page.locator(tid("backtest-button")).isDisabled()).toBe(true);
    await shotOf(page, "timeframes-01-too-low");

    await page.selectOption(tid("param-timeframe"), "4h");
    await page.waitForSelector(tid("compiles-ok"));
    expect(await page.textContent(tid("node-price-2"))).toContain("4h");
    await shotOf(page, "timeframes-02-4h");
    const run = await app.client.backtests.get.query({ runId: await backtestShown(page) });
    expect(run.status).toBe("done");
    expect(run.metrics!.trades).toBeGreaterThan(0);
    await shotOf(page, "timeframes-03-results");
    expect(app.pageErrors).toEqual([]);
  });
});
