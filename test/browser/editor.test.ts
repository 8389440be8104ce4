// The editor and the results, driven in a real browser (Debian's Chromium through playwright-core)
// against the real server on a random port with a temporary data directory.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { compile, parseFlowDocument, type Metrics } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, dragWire, getRun, shot as shotOf, startApp, tid, type BrowserApp } from "./harness";

let app: BrowserApp | undefined;
let services: BrowserApp["services"] | undefined;
let url = "";
let page: Page;
let client: BrowserApp["client"];
let pageErrors: string[] = [];

const shot = (name: string) => shotOf(page, name);

/** Drags a block from the palette and drops it at (x, y) inside the canvas. */
async function dragBlock(kind: string, x: number, y: number) {
  await page.dragAndDrop(tid(`palette-${kind}`), tid("canvas"), { targetPosition: { x, y } });
}

/** Drags a connection from an output handle to an input handle, as a person would with the mouse. */
async function connect(from: string, to: string) {
  await dragWire(page, from, to);
}

async function edgeCount(): Promise<number> {
  return page.locator(".react-flow__edge").count();
}

/** Waits until the canvas draws `n` edges (a connection or an undo renders a frame later under load), then checks it. */
async function expectEdges(n: number): Promise<void> {
  await expect.poll(edgeCount, { timeout: 10_000 }).toBe(n);
}

async function selectNode(id: string) {
  // Click the node's title bar (not a handle) to select it.
  await page.locator(`${tid(`node-${id}`)} .bn-title`).click();
  await page.waitForSelector(tid("params-panel"));
}

async function setParam(key: string, value: string) {
  await page.fill(tid(`param-${key}`), value);
}

async function specHashShown(): Promise<string> {
  return (await page.locator(tid("spec-hash")).getAttribute("data-hash"))!;
}

async function waitForResults(): Promise<{ runId: string; ms: number }> {
  // The results carry their click → drawn time once drawn (shown on screen only under "details").
  const results = page.locator(`${tid("results")}[data-draw-ms]`);
  await results.waitFor({ timeout: 120_000 });
  const runId = (await results.getAttribute("data-run-id"))!;
  const ms = Number(await results.getAttribute("data-draw-ms"));
  return { runId, ms };
}

// The numbers as the KPI cards must print them, formatted here independently of the app's code.
const fmt = {
  pct: (v: number, d = 2, signed = true) => `${signed && v > 0 ? "+" : ""}${v.toFixed(d)}%`,
  num: (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
};
function expectedKpis(m: Metrics): Record<string, string> {
  return {
    return: fmt.pct(m.totalReturnPct),
    maxDrawdown: fmt.pct(-Math.abs(m.maxDrawdownPct), 2, false),
    sharpe: fmt.num(m.sharpe),
    trades: String(m.trades),
    winRate: fmt.pct(m.winRatePct, 1, false),
    profitFactor: m.profitFactor === null ? (m.trades > 0 ? "∞" : "—") : fmt.num(m.profitFactor),
    fees: fmt.num(m.fees),
  };
}

async function kpisShown(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of ["return", "maxDrawdown", "sharpe", "trades", "winRate", "profitFactor", "fees"]) {
    out[id] = (await page.locator(tid(`kpi-${id}-value`)).textContent())!.trim();
  }
  return out;
}

beforeAll(async () => {
  app = await startApp();
  ({ services, url, client, page, pageErrors } = app);
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe("editor and results in a real browser", () => {
  it("first run lands on the editor with sma-cross on the demo market; one click shows a result", async () => {
    await page.goto(url);
    await page.waitForSelector(tid("node-fast"));
    expect(await page.locator(".react-flow__node").count()).toBe(7);
    expect(await page.textContent(tid("market-chip"))).toContain("Demo · DEMO/USDT · 1h");
    await page.waitForSelector(`${tid("save-state")}[data-state="saved"]`);
    await page.waitForSelector(tid("compiles-ok"));
    await shot("01-first-run-editor");

    await page.click(tid("backtest-button"));
    const { runId } = await waitForResults();
    const run = await getRun(client, runId);
    expect(await kpisShown()).toEqual(expectedKpis(run.metrics!));
    await page.waitForSelector(tid("trade-row"));
    await shot("02-first-run-results");
  });

  it("builds a flow by hand: drag, connect, refuse a type mismatch, params, compile error and fix", async () => {
    await page.click(tid("tab-editor"));
    await page.click(tid("open-strategies"));
    await page.click(tid("strategy-new"));
    await page.waitForSelector(tid("canvas-empty"));
    expect(await page.locator(".react-flow__node").count()).toBe(0);

    await dragBlock("price", 110, 300);
    await dragBlock("rsi", 330, 300);
    await dragBlock("lessThan", 550, 140);
    await dragBlock("greaterThan", 550, 420);
    await dragBlock("buy", 770, 140);
    await dragBlock("sell", 770, 420);
    for (const id of ["price-1", "rsi-1", "lessThan-1", "greaterThan-1", "buy-1", "sell-1"]) await page.waitForSelector(tid(`node-${id}`));
    // Nothing is connected yet: the backtest button says why it cannot run.
    expect(await page.locator(tid("backtest-button")).isDisabled()).toBe(true);
    expect(await page.textContent(tid("backtest-disabled-reason"))).toMatch(/^Fix \d+ problems first/);

    // A number series into a true/false input is refused while dragging, with the reason.
    await connect("handle-rsi-1-out-value", "handle-buy-1-in-when");
    await page.waitForSelector(tid("connection-refused"));
    expect(await page.textContent(tid("connection-refused"))).toContain("needs a true/false signal");
    await expectEdges(0);
    await shot("03-type-mismatch-refused");

    await connect("handle-price-1-out-value", "handle-rsi-1-in-source");
    await connect("handle-rsi-1-out-value", "handle-lessThan-1-in-a");
    await connect("handle-rsi-1-out-value", "handle-greaterThan-1-in-a");
    await connect("handle-lessThan-1-out-signal", "handle-buy-1-in-when");
    await connect("handle-greaterThan-1-out-signal", "handle-sell-1-in-when");
    await shot("05a-connected");
    await expectEdges(5);

    await selectNode("lessThan-1");
    await setParam("value", "30");
    await selectNode("greaterThan-1");
    await setParam("value", "70");
    await selectNode("rsi-1");
    await setParam("period", "10");
    expect(await page.textContent(tid("node-rsi-1"))).toContain("10");
    await page.waitForSelector(tid("compiles-ok"));

    // A bad value is a compile error on the node, in the list, and on the button.
    await setParam("period", "0");
    await page.waitForSelector(`${tid("node-rsi-1")}[data-errors="1"]`);
    expect(await page.textContent(tid("param-error-period"))).toMatch(/Period/);
    const problem = page.locator(`${tid("problem-error")}[data-node="rsi-1"]`);
    expect(await problem.count()).toBe(1);
    expect(await page.locator(tid("backtest-button")).isDisabled()).toBe(true);
    expect(await page.textContent(tid("backtest-disabled-reason"))).toMatch(/RSI/);
    await page.click(".react-flow__pane", { position: { x: 30, y: 30 } });
    await problem.click(); // focuses (selects) the node it is about
    await page.waitForSelector(`.react-flow__node.selected ${tid("node-rsi-1")}`);
    await shot("04-compile-error");
    await setParam("period", "14");
    await page.waitForSelector(tid("compiles-ok"));
    expect(await page.locator(tid("backtest-button")).isEnabled()).toBe(true);
    await page.fill(tid("strategy-name"), "RSI 30/70 reversion");
    await page.press(tid("strategy-name"), "Enter");
    await page.click(".react-flow__pane", { position: { x: 30, y: 30 } });

    // Keyboard: Delete removes the selected block (and its edges), Ctrl+Z restores both.
    await selectNode("greaterThan-1");
    await page.keyboard.press("Delete");
    expect(await page.locator(tid("node-greaterThan-1")).count()).toBe(0);
    await expectEdges(3);
    await page.keyboard.press("Control+z");
    await page.waitForSelector(tid("node-greaterThan-1"));
    await expectEdges(5);
    await page.waitForSelector(tid("compiles-ok"));

    await page.click(".react-flow__pane", { position: { x: 30, y: 30 } });
    await page.click(".react-flow__controls-fitview");
    await page.waitForSelector(`${tid("save-state")}[data-state="saved"]`);
    await shot("05-editor-built-flow");
  });

  it("runs the backtest with progress and shows KPIs equal to the server's result", async () => {
    await page.click(tid("backtest-button"));
    const { runId } = await waitForResults();
    const run = await getRun(client, runId);
    expect(run.status).toBe("done");
    expect(await kpisShown()).toEqual(expectedKpis(run.metrics!));
    expect(await page.locator(tid("run-spec-hash")).getAttribute("data-hash")).toBe(run.specHash);
    // Timings and hashes are developer details: out of sight until asked for.
    expect(await page.locator(tid("draw-time")).isVisible()).toBe(false);
    expect(await page.locator(tid("run-spec-hash")).isVisible()).toBe(false);
    await page.click(tid("details-toggle"));
    await page.waitForSelector(tid("draw-time"));
    expect(await page.textContent(tid("draw-time"))).toMatch(/^click → drawn \d+ ms$/);
    await page.click(tid("details-toggle"));
    await page.waitForSelector(tid("draw-time"), { state: "hidden" });
    // Trades: sortable, and a click scrolls the chart to the trade.
    await page.waitForSelector(tid("trade-row"));
    expect(await page.locator(tid("trade-row")).count()).toBe(Math.min(run.trades!.length, 300));
    await page.click(tid("trades-sort-returnPct"));
    const best = Math.max(...run.trades!.map((t) => t.returnPct));
    expect(await page.locator(tid("trade-row")).first().textContent()).toContain(`${best > 0 ? "+" : ""}${best.toFixed(2)}%`);
    await page.locator(tid("trade-row")).first().click();
    // The chart merged candles to draw the whole run; around one trade it shows the market's own.
    await page.locator(`${tid("chart-detail")}[data-bars]`).filter({ hasText: /^Trade of/ }).waitFor();
    // Around the trade, every pane is at bar resolution; the cursor reads OHLC and the RSI at its bar.
    expect(Number(await page.getAttribute(tid("chart-detail"), "data-bars"))).toBeGreaterThan(30);
    const chartBox = (await page.locator(tid("price-chart")).boundingBox())!;
    await page.mouse.move(chartBox.x + chartBox.width / 2, chartBox.y + chartBox.height * 0.3);
    await page.waitForSelector(tid("chart-hover"));
    expect(await page.textContent(tid("chart-hover"))).toMatch(/O [\d,.]+ H [\d,.]+ L [\d,.]+ C [\d,.]+.*RSI 14 [\d.]+/);
    await shot("06-results-trade-focused");
    await page.click(tid("chart-detail-back"));
    await page.waitForSelector(tid("chart-detail"), { state: "detached" });
    // Zoomed in far enough on the merged candles, the chart draws the market's own bars of what is in view.
    await page.mouse.move(chartBox.x + chartBox.width / 2, chartBox.y + chartBox.height * 0.3);
    const zoomBars = page.locator(`${tid("chart-detail")}[data-bars]`).filter({ hasText: /candles, / });
    // Each wheel step waits for the chart to take the zoom (the bars in view change), until few
    // enough bars are in view for the chart to fetch the market's own (2,500).
    const host = `${tid("price-chart")} .chart-host`;
    const viewBars = async () => Number(await page.getAttribute(host, "data-view-bars"));
    for (let i = 0; i < 60 && (await viewBars()) > 2500; i++) {
      const before = await viewBars();
      await page.mouse.wheel(0, -400);
      await page.waitForFunction(`Number(document.querySelector(${JSON.stringify(host)})?.getAttribute("data-view-bars")) !== ${before}`);
    }
    await zoomBars.waitFor();
    const zoomed = Number(await page.getAttribute(tid("chart-detail"), "data-bars"));
    expect(zoomed).toBeGreaterThan(30);
    expect(zoomed).toBeLessThanOrEqual(2501);
    await shot("06b-results-zoomed-to-bars");
    await page.click(tid("chart-detail-back"));
    await page.waitForSelector(tid("chart-detail"), { state: "detached" });

    // The report: every figure is the run's stored metric; the trades export parses back to the run's trades.
    await page.click(tid("results-tab-report"));
    await page.waitForSelector(tid("report-summary"));
    const m = run.metrics!;
    const stored = { netProfit: m.netProfit, grossProfit: m.grossProfit, grossLoss: m.grossLoss, largestWin: m.largestWin, largestLoss: m.largestLoss, longestWinningStreak: m.longestWinningStreak, longestLosingStreak: m.longestLosingStreak, avgBarsWin: m.avgBarsWin, avgBarsLoss: m.avgBarsLoss, trades: m.trades, fees: m.fees };
    const shown: Record<string, number> = {};
    for (const id of Object.keys(stored)) shown[id] = Number(await page.getAttribute(tid(`report-${id}`), "data-raw"));
    expect(shown).toEqual(stored);
    expect(Object.values(stored).every((v) => typeof v === "number")).toBe(true);
    expect(await page.textContent(`${tid("report-netProfit")} td`)).toBe(`${fmt.num(m.netProfit!)} (${fmt.pct(m.totalReturnPct)})`);
    const years = new Set(m.monthlyReturns!.map((x) => x.month.slice(0, 4)));
    expect(await page.locator(`${tid("report-months")} tbody tr`).count()).toBe(years.size);
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click(tid("export-trades-csv"))]);
    const [head, ...lines] = readFileSync((await csv.path())!, "utf8").trim().split("\n");
    const cols = head!.split(",");
    const parsed = lines.map((l) => {
      const v = Object.fromEntries(l.split(",").map((x, i) => [cols[i]!, x]));
      return { ...v, entryTime: Date.parse(v.entryTime!), exitTime: Date.parse(v.exitTime!), entryPrice: +v.entryPrice!, exitPrice: +v.exitPrice!, qty: +v.qty!, pnl: +v.pnl!, fees: +v.fees!, returnPct: +v.returnPct! };
    });
    expect(parsed).toEqual(run.trades);
    await shot("06b-results-report");
    await page.click(tid("results-tab-chart"));
    await page.waitForSelector(tid("price-chart"));

    // Backtest again with nothing changed: the stored run is shown, no duplicate is made.
    await page.click(tid("backtest-button"));
    await page.waitForSelector(`${tid("toast")}:has-text("Nothing changed")`);
    await page.waitForSelector(`${tid("backtest-button")}:not([disabled])`);
    expect(await page.getAttribute(tid("results"), "data-run-id")).toBe(runId);
    expect(await client.backtests.listForStrategy.query({ strategyId: run.strategyId! })).toHaveLength(1);
  });

  it("exports the template and re-imports it with the same spec hash; a bad import changes nothing", async () => {
    await page.click(tid("tab-editor"));
    const hash = await specHashShown();
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(tid("export-button"))]);
    const file = join(artifacts, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe("rsi-30-70-reversion.keyflow.json");
    const doc = parseFlowDocument(JSON.parse(readFileSync(file, "utf8")));
    expect(doc.ok).toBe(true);
    const compiled = doc.ok ? compile(doc.flow) : null;
    expect(compiled?.ok && compiled.hash).toBe(hash);

    // Pasted garbage: a clear error, and the canvas is untouched.
    await page.click(tid("open-import"));
    await page.fill(tid("import-text"), '{"format":"keyflow.flow","version":1,"name":"x","market":{"exchange":"demo"},"nodes":[],"edges":[]}');
    await page.click(tid("import-apply"));
    await page.waitForSelector(tid("import-error"));
    expect(await page.textContent(tid("import-error"))).toMatch(/market\.(symbol|timeframe)/);
    await shot("07-import-error");
    await page.keyboard.press("Escape");
    expect(await page.inputValue(tid("strategy-name"))).toBe("RSI 30/70 reversion");
    expect(await page.locator(".react-flow__node").count()).toBe(6);

    await page.click(tid("open-import"));
    await page.setInputFiles(tid("import-file"), file);
    await page.waitForSelector(tid("templates-modal"), { state: "detached" });
    await page.waitForSelector(tid("compiles-ok"));
    expect(await specHashShown()).toBe(hash);
    // The import sits beside the original under a name of its own.
    expect(await page.inputValue(tid("strategy-name"))).toBe("RSI 30/70 reversion (2)");
    const list = await client.strategies.list.query();
    expect(list.filter((s) => s.name.startsWith("RSI 30/70 reversion")).map((s) => s.name).sort()).toEqual(["RSI 30/70 reversion", "RSI 30/70 reversion (2)"]);
  });

  it("measures click → drawn results for a year of 1-minute demo candles", async () => {
    await page.click(tid("market-chip"));
    await page.selectOption(tid("market-select"), "demo|DEMO/USDT|1m");
    await shot("08-settings");
    await page.keyboard.press("Escape");
    await page.waitForSelector(`${tid("save-state")}[data-state="saved"]`);

    // Cancel works: the progress bar goes away, the run is recorded as cancelled, no result shows.
    // A year of 1m bars runs in well under a second, faster than a person clicks; so the server
    // holds new runs in its queue while the test clicks Cancel.
    services!.backtests.pause();
    await page.click(tid("backtest-button"));
    await page.waitForSelector(`${tid("backtest-cancel")}:not([disabled])`);
    await page.waitForSelector(tid("progress-fill"));
    await shot("08b-backtest-progress");
    await page.click(tid("backtest-cancel"));
    await page.waitForSelector(tid("backtest-button"));
    // The toast of an earlier action may still be fading out: wait for the cancel's own.
    await page.waitForSelector(`${tid("toast")}:has-text("cancelled")`);
    services!.backtests.resume();
    const strategyId = (await client.strategies.list.query()).find((s) => s.name === "RSI 30/70 reversion (2)" && s.market.timeframe === "1m")!.id;
    const runs = await client.backtests.listForStrategy.query({ strategyId });
    expect(runs.map((r) => r.status)).toEqual(["cancelled"]);

    await page.click(tid("backtest-button"));
    const { runId, ms } = await waitForResults();
    const run = await getRun(client, runId);
    expect(run.bars).toBe(527_040);
    expect(await kpisShown()).toEqual(expectedKpis(run.metrics!));
    const marks = await page.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType("mark").filter((m) => m.name.startsWith("keyflow:")).map((m) => [m.name.slice(8), Math.round(m.startTime)])),
    );
    const phase = (a: string, b: string) => (marks[b] ?? NaN) - (marks[a] ?? NaN);
    console.log(
      `[keyflow] click → drawn results, 1 year of 1m demo candles (${run.bars.toLocaleString("en-US")} bars, ${run.trades!.length} trades): ${ms} ms` +
        ` (start ${phase("click", "run-started")} ms, server run ${phase("run-started", "run-done")} ms, fetch ${phase("run-done", "result-loaded")} ms, draw ${phase("result-loaded", "results-drawn")} ms)`,
    );
    await page.waitForSelector(tid("trade-row"));
    // The disk runs take, under the past runs.
    expect(await page.textContent(tid("runs-disk"))).toMatch(/^\d+ stored runs? take [\d.]+ [KM]B · database [\d.]+ [KM]B, candles [\d.]+ [KM]B$/);
    await shot("09-results-1m-year");
  });

  it("lists past runs and compares two side by side; shows the template gallery", async () => {
    // A second run of the same strategy on the hourly market, to compare with the 1m one.
    await page.click(tid("market-chip"));
    await page.selectOption(tid("market-select"), "demo|DEMO/USDT|1h");
    await page.keyboard.press("Escape");
    await page.click(tid("backtest-button"));
    await page.locator(tid("results-head-market")).filter({ hasText: "· 1h" }).waitFor();
    const checks = page.locator(tid("run-compare-check"));
    await page.waitForSelector(tid("run-row"));
    expect(await checks.count()).toBe(3); // 1h, 1m and the cancelled one (which cannot be picked)
    expect(await checks.nth(2).isDisabled()).toBe(true);
    await checks.nth(0).check();
    await checks.nth(1).check();
    await page.click(tid("compare-button"));
    await page.waitForSelector(tid("compare-view"));
    // Runs are labelled by what differs between them: the timeframe (and the range its data covers), not the unchanged params.
    const labels = await page.locator(tid("compare-label")).allTextContents();
    expect(labels[0]).toMatch(/^DEMO\/USDT 1h( · \d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d)?$/);
    expect(labels[1]).toMatch(/^DEMO\/USDT 1m( · \d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d)?$/);
    await shot("10-compare-runs");

    await page.click(tid("open-templates"));
    await page.waitForSelector(tid("template-sma-cross"));
    await shot("11-template-gallery");
    await page.keyboard.press("Escape");
    expect(pageErrors).toEqual([]);
  });
});
