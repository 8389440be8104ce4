// The palette search and the formula block in a real browser: find blocks by their aliases, build a
// z-score flow with a formula, see a parse error pointing at its character, fix it, backtest.
import { describe, expect, it } from "vitest";
import { appForFile, backtestShown, newStrategyWithBlocks, openEditor, shot as shotOf, tid } from "./harness";

const held = appForFile();

async function search(q: string): Promise<string[]> {
  const { page } = held;
  await page.fill(tid("palette-search"), q);
  const ids = await page.locator(`${tid("palette")} .palette-item`).evaluateAll((els) => els.map((e) => e.getAttribute("data-testid") ?? ""));
  return ids.map((id) => id.replace(/^palette-/, ""));
}

describe("palette search and the formula block", () => {
  it("finds blocks by the abbreviations traders type", async () => {
    const { app, page } = held;
    await openEditor(app);
    expect((await search("BB"))[0]).toBe("bbands");
    expect((await search("%R"))[0]).toBe("willr");
    expect((await search("SAR"))[0]).toBe("sar");
    expect(await search("qwxz")).toEqual([]);
    expect(await page.textContent(tid("palette"))).toContain("No block matches");
  });

  it("builds (close - SMA) / StdDev with a formula, points at a typo, and backtests once fixed", async () => {
    const { app, page } = held;
    await newStrategyWithBlocks(
      page,
      [
        ["price", "price", 100, 330],
        ["moving average", "sma", 290, 140],
        ["standard deviation", "stdDev", 290, 520],
        ["formula", "formula", 480, 330],
        ["cross below", "crossBelow", 670, 140],
        ["cross above", "crossAbove", 670, 520],
        ["buy", "buy", 790, 330],
        ["sell", "sell", 790, 640],
      ],
      [
        ["price-1-out-value", "sma-1-in-source"],
        ["price-1-out-value", "stdDev-1-in-source"],
        ["price-1-out-value", "formula-1-in-a"],
        ["sma-1-out-value", "formula-1-in-b"],
        ["stdDev-1-out-value", "formula-1-in-c"],
        ["formula-1-out-value", "crossBelow-1-in-a"],
        ["formula-1-out-value", "crossAbove-1-in-a"],
        ["crossBelow-1-out-signal", "buy-1-in-when"],
        ["crossAbove-1-out-signal", "sell-1-in-when"],
      ],
    );

    await page.locator(`${tid("node-crossBelow-1")} .bn-title`).click();
    await page.fill(tid("param-value"), "-2");
    await page.locator(`${tid("node-formula-1")} .bn-title`).click();
    await page.fill(tid("param-expression"), "(a - b)) / c");
    expect(await page.textContent(tid("param-error-expression"))).toMatch(/"\)" without a matching "\(".*character 8/);
    expect(await page.locator(tid("backtest-button")).isDisabled()).toBe(true);
    await shotOf(page, "formula-01-parse-error");

    await page.fill(tid("param-expression"), "(a - b) / c");
    await page.waitForSelector(tid("compiles-ok"));
    const run = await app.client.backtests.get.query({ runId: await backtestShown(page) });
    expect(run.status).toBe("done");
    expect(run.metrics!.trades).toBeGreaterThan(0);
    await shotOf(page, "formula-02-results");
    expect(app.pageErrors).toEqual([]);
  });
});
