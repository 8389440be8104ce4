// Results anyone can verify, in a real browser: a run started from the app is pinned to the saved
// version, Run again says it is identical, the HTML report opens from a file with no network and the
// same numbers, and importing it back verifies it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, getRun, root, shot, startApp, tid, type BrowserApp } from "./harness";

// The database driver as the db package has it (this package does not depend on it directly).
type Sqlite = { prepare(sql: string): { run(...args: unknown[]): unknown }; close(): void };
const BetterSqlite3 = createRequire(join(root, "packages/db/package.json"))("better-sqlite3") as new (path: string) => Sqlite;

let app: BrowserApp;
beforeAll(async () => {
  app = await startApp();
}, 180_000);
afterAll(async () => {
  await app?.close();
});

async function shownRun(notId?: string): Promise<string> {
  const results = app.page.locator(`${tid("results")}[data-draw-ms]${notId ? `:not([data-run-id="${notId}"])` : ""}`);
  await results.waitFor({ timeout: 120_000 });
  return (await results.getAttribute("data-run-id"))!;
}

describe("verifiable results in the browser", () => {
  let runId: string;
  let reportFile: string;

  it("a run started from the app is linked to the saved version, and Run again is identical", async () => {
    const { page, client } = app;
    await page.goto(app.url);
    await page.waitForSelector(`${tid("save-state")}[data-state="saved"]`);
    await page.click(tid("backtest-button"));
    runId = await shownRun();
    const run = await client.backtests.get.query({ runId });
    expect(run.strategyId).not.toBeNull();
    const saved = await client.strategies.get.query({ id: run.strategyId!, version: run.strategyVersion! });
    expect(run.strategyVersion).toBe(saved.latestVersion);
    expect(run.specHash).toBe(saved.specHash);
    expect(run.dataHash).toMatch(/^[0-9a-f]{64}$/);

    await page.click(tid("run-again"));
    const again = await shownRun(runId);
    await page.waitForSelector(`${tid("reproduction")}[data-status="identical"]`);
    expect(await page.textContent(tid("reproduction"))).toMatch(/Same as the run of .*same strategy version, candles, settings and engine/);
    expect((await client.backtests.get.query({ runId: again })).rerunOf).toBe(runId);
    await shot(page, "verify-01-run-again-identical");

    // As if an older engine had made that run, with another result: Run again says so and shows both.
    const raw = new BetterSqlite3(app.services.db.path);
    raw.prepare("UPDATE backtest_runs SET engine_version = '0.0.9', metrics = json_set(metrics, '$.totalReturnPct', 99) WHERE id = ?").run(again);
    raw.close();
    await page.click(tid("run-again"));
    const third = await shownRun(again);
    await page.waitForSelector(`${tid("reproduction")}[data-status="differs"]`);
    expect(await page.textContent(tid("reproduction"))).toMatch(/The engine changed from 0\.0\.9 to .*, and the result differs\. .*totalReturnPct is 99/);
    await shot(page, "verify-01b-run-again-differs");
    await page.click(tid("reproduction-show-both"));
    await page.waitForSelector(tid("compare-view"));
    expect(await page.locator(tid("compare-label")).count()).toBe(2);
    await page.click(tid("compare-back"));
    runId = third;
  });

  it("the HTML report opens from file:// with no network request and shows the run's numbers", async () => {
    const { page, browser } = app;
    await page.click(tid("results-tab-report"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(tid("export-html-report"))]);
    reportFile = join(artifacts, download.suggestedFilename());
    await download.saveAs(reportFile);
    expect(reportFile).toMatch(/\.report\.html$/);
    const inApp: Record<string, string> = {};
    for (const row of await page.locator(`${tid("report-summary")} tr`).all()) {
      const id = (await row.getAttribute("data-testid"))!.replace(/^report-/, "");
      inApp[id] = (await row.locator("td").textContent())!;
    }

    const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const file = await ctx.newPage();
    const url = pathToFileURL(reportFile).href;
    const requests: string[] = [];
    file.on("request", (r) => r.url() !== url && requests.push(r.url()));
    await file.goto(url);
    await file.waitForLoadState("networkidle");
    const inFile: Record<string, string> = {};
    for (const row of await file.locator(`${tid("report-summary")} tr`).all()) inFile[(await row.getAttribute("data-id"))!] = (await row.locator("td").textContent())!;
    expect(inFile).toEqual(inApp);
    const run = await getRun(app.client, runId);
    expect(await file.locator(`${tid("report-trades")} tbody tr`).count()).toBe(run.trades!.length);
    expect(await file.locator(`${tid("report-price")} circle`).count()).toBe(run.trades!.length * 2);
    expect(requests).toEqual([]);
    await file.screenshot({ path: join(artifacts, "verify-02-html-report.png"), fullPage: false });
    await ctx.close();
    // It carries the result: the bundle inside is the run's.
    const bundle = JSON.parse(/id="keyflow-result">([\s\S]*?)<\/script>/.exec(readFileSync(reportFile, "utf8"))![1]!);
    expect(bundle.trades).toEqual(run.trades);
  });

  it("importing the report verifies it on this install's candles and shows the badge", async () => {
    const { page } = app;
    await page.click(tid("open-import"));
    await page.setInputFiles(tid("import-file"), reportFile);
    await page.waitForSelector(`${tid("verification-badge")}[data-status="verified"]`, { timeout: 60_000 });
    expect(await page.textContent(tid("verification-reason"))).toMatch(/the same \d+ trades and the same numbers/);
    await shot(page, "verify-03-imported-verified");
    await page.click(tid("open-strategies"));
    // The list loads when the dialog opens.
    await expect.poll(() => page.locator(`${tid("strategy-row")} ${tid("verification-badge")}[data-status="verified"]`).count(), { timeout: 10_000 }).toBe(1);
    await shot(page, "verify-03b-strategies");
    await page.keyboard.press("Escape");
  });
});

describe("template gallery", () => {
  it("every built-in template shows its verified result on the shared candles", async () => {
    const { page, client } = app;
    await page.keyboard.press("Escape");
    await page.click(tid("open-templates"));
    const results = await client.templates.results.query();
    for (const r of results) {
      const text = (await page.textContent(tid(`template-result-${r.id}`), { timeout: 10_000 }))!;
      expect(text).toContain("Verified");
      expect(text).toContain(`${r.totalReturnPct > 0 ? "+" : ""}${r.totalReturnPct.toFixed(2)}%`);
      expect(text).toContain(`${r.trades} trades`);
    }
    await shot(page, "verify-04-gallery");
  });
});
