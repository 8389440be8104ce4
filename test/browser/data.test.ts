// The Data page as a trader uses it, against the loopback fake exchange: download BTC/USDT 1h with
// the progress bar showing, the exchange dies half-way and comes back, the download resumes with no
// duplicate or hole; a market with a hole warns in its backtest; a strategy keeps its range and run
// across a reload.
import type { Page } from "playwright-core";
import { findGaps } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, type Candle, type FakeExchange } from "../fake-exchange/index";
import { backtestShown, shot as shotOf, startApp, tid, type BrowserApp } from "./harness";

const H = 3_600_000;
const DAY = 24 * H;
// A year of hours up to the last whole hour, from midnight UTC a year ago: the download form's default start.
const END = Math.floor(Date.now() / H) * H;
const START = Math.floor(Date.now() / DAY) * DAY - 365 * DAY;
const COUNT = (END - START) / H;
const btc: Candle[] = makeCandles({ start: START, intervalMs: H, count: COUNT, startPrice: 60_000, seed: 21, volatility: 0.012 });
// ETH misses 12 hours 40 days ago: an exchange outage.
const HOLE_AT = COUNT - 40 * 24;
const eth: Candle[] = makeCandles({ start: START, intervalMs: H, count: COUNT, startPrice: 3_000, seed: 22, volatility: 0.014 }).filter((_, i) => i < HOLE_AT || i >= HOLE_AT + 12);

let fake: FakeExchange | undefined;
let port = 0;
let app: BrowserApp | undefined;
let page: Page;
let ethRunId = "";
const shot = (name: string) => shotOf(page, `data-${name}`);
const serveFake = async () => (fake = await startFakeExchange({ interval: "1h", candles: { BTCUSDT: btc, ETHUSDT: eth }, closedAtStart: COUNT, port }));

beforeAll(async () => {
  await serveFake();
  port = Number(new URL(fake!.url).port);
  // Two requests a second through the shared limiter: a year of 1h (9 pages) takes a few seconds, long enough to cut.
  app = await startApp({ exchange: { urls: { binance: fake!.url }, timeoutMs: 3000, limit: { maxRequests: 2, windowMs: 1000 }, ccxtRateLimitMs: 1 } });
  page = app.page;
  await page.goto(app.url);
  await page.waitForSelector(tid("editor"));
}, 180_000);

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

async function download(search: string, symbol: string) {
  await page.fill(tid("dl-symbol"), search);
  await page.locator(tid("dl-matches")).getByText(symbol, { exact: true }).click();
  await page.selectOption(tid("dl-timeframe"), "1h");
  await page.click(tid("dl-start"));
}

const row = (symbol: string) => page.locator(`${tid("download-row")}[data-market="binance|${symbol}|1h"]`);

describe("Data page", () => {
  it("downloads BTC/USDT 1h with progress, survives the exchange going away half-way, and stores every candle once", async () => {
    await page.click(tid("tab-data"));
    await page.waitForSelector(tid("data-page"));
    expect(page.url()).toMatch(/#\/s\/[^/]+\/data$/);
    await page.waitForSelector(`${tid("dl-exchange")} option[value="binance"]`, { state: "attached" });
    await download("btc", "BTC/USDT");
    const btcRow = row("BTC/USDT");
    await btcRow.waitFor();
    // Half-way: the exchange stops answering.
    await expect.poll(async () => Number(await btcRow.locator(tid("download-fetched")).getAttribute("data-fetched")), { timeout: 30_000 }).toBeGreaterThanOrEqual(2000);
    await fake!.close();
    await shot("01-progress");
    await expect.poll(() => btcRow.textContent(), { timeout: 30_000 }).toMatch(/Network problem|Could not reach/);
    await shot("02-exchange-gone");
    // It comes back on the same address: the retrier carries on, or Resume continues from the last stored candle.
    await serveFake();
    const resume = btcRow.locator(tid("download-resume"));
    await expect.poll(async () => (await btcRow.getAttribute("data-status")) === "done" || (await resume.isVisible()), { timeout: 60_000 }).toBe(true);
    if (await resume.isVisible()) await resume.click();
    await page.locator(`${tid("download-row")}[data-market="binance|BTC/USDT|1h"][data-status="done"]`).waitFor({ timeout: 60_000 });

    const series = app!.services.db.candles.find({ exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" })!;
    const stored = app!.services.db.candles.read(series.id);
    expect(stored.length).toBe(COUNT);
    expect(Array.from(stored.time)).toEqual(btc.map((c) => c[0]));
    expect(findGaps(stored.time, H).count).toBe(0);
    const tableRow = page.locator(`${tid("series-row")}[data-market="binance|BTC/USDT|1h"]`);
    await expect.poll(() => tableRow.locator(tid("series-count")).textContent()).toBe(COUNT.toLocaleString("en-US"));
    expect(await tableRow.textContent()).toContain("Binance");
    expect(await tableRow.textContent()).toContain("none");
  }, 180_000);

  it("lists the hole of a market with missing candles", async () => {
    await download("eth", "ETH/USDT");
    await page.locator(`${tid("download-row")}[data-market="binance|ETH/USDT|1h"][data-status="done"]`).waitFor({ timeout: 60_000 });
    const tableRow = page.locator(`${tid("series-row")}[data-market="binance|ETH/USDT|1h"]`);
    await expect.poll(() => tableRow.textContent()).toContain("1 (12 candles)");
    await page.setViewportSize({ width: 1280, height: 800 });
    await shot("03-series-1280");
    await page.setViewportSize({ width: 1440, height: 900 });
    await shot("04-series-1440");
  }, 120_000);

  it("imports a dropped CSV: preview, detected columns and time unit, line-numbered errors and nothing stored, then the fixed file", async () => {
    const lines = ["Timestamp,Open,High,Low,Close,Volume"];
    for (let i = 0; i < 48; i++) lines.push(`${1_704_067_200 + i * 3600},${100 + i},${101 + i},${99 + i},${100.5 + i},5`);
    const bad = [...lines];
    bad[3] = "1704074400,oops,103,101,102.5,5";
    await page.setInputFiles(tid("csv-file"), { name: "SOLUSDT-1h.csv", mimeType: "text/csv", buffer: Buffer.from(bad.join("\n")) });
    expect(await page.textContent(tid("csv-detected"))).toContain("unix seconds");
    expect(await page.inputValue(tid("csv-symbol"))).toBe("SOL/USDT");
    expect(await page.inputValue(tid("csv-timeframe"))).toBe("1h");
    await page.click(tid("csv-import-btn"));
    await page.waitForSelector(tid("csv-errors"));
    expect(await page.textContent(tid("csv-errors"))).toContain("line 4: open is \"oops\"");
    await shot("05a-csv-error");
    expect(await page.locator(`${tid("series-row")}[data-market="csv|SOL/USDT|1h"]`).count()).toBe(0);
    expect(app!.services.db.candles.find({ exchange: "csv", symbol: "SOL/USDT", timeframe: "1h" })).toBeUndefined();

    await page.setInputFiles(tid("csv-file"), { name: "SOLUSDT-1h.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n")) });
    await page.click(tid("csv-import-btn"));
    await page.waitForSelector(tid("csv-done"));
    const tableRow = page.locator(`${tid("series-row")}[data-market="csv|SOL/USDT|1h"]`);
    await expect.poll(() => tableRow.locator(tid("series-count")).textContent().catch(() => null)).toBe("48");
  }, 60_000);

  it("backtests a stored market chosen in the editor, warning about the gap in its candles", async () => {
    await page.click(tid("tab-editor"));
    await page.click(tid("market-chip"));
    // The picker groups stored series by exchange.
    expect(await page.locator(`${tid("market-select")} optgroup[label="Binance"] option`).count()).toBe(2);
    await page.selectOption(tid("market-select"), "binance|ETH/USDT|1h");
    await shot("05-picker");
    await page.keyboard.press("Escape");
    await page.waitForSelector(`${tid("save-state")}[data-state="saved"]`);
    ethRunId = await backtestShown(page);
    const warning = page.locator(tid("gap-warning"));
    await warning.waitFor();
    const holeAfter = new Date(eth[HOLE_AT - 1]![0]).toISOString().slice(0, 16).replace("T", " ");
    expect(await warning.textContent()).toContain(`1 gap in these candles (12 missing). ${holeAfter}`);
    await shot("06-gap-warning");
  }, 120_000);

  it("keeps the strategy, its date range and the shown run across a reload, with 'To' inclusive", async () => {
    await page.click(tid("market-chip"));
    await page.selectOption(tid("market-select"), "binance|BTC/USDT|1h");
    await page.selectOption(tid("range-select"), "custom");
    const from = new Date(START + 30 * DAY).toISOString().slice(0, 10);
    const to = new Date(START + 59 * DAY).toISOString().slice(0, 10);
    await page.fill(tid("range-from"), from);
    await page.fill(tid("range-to"), to);
    await page.keyboard.press("Escape");
    await page.waitForSelector(`${tid("save-state")}[data-state="saved"]`);
    const runId = await backtestShown(page);
    // 30 whole days, both ends included: the header names the first and the last candle used.
    expect(await page.textContent(tid("results-head-range"))).toBe(`${from} 00:00 → ${to} 23:00`);
    expect(await page.locator(tid("gap-warning")).count()).toBe(0);
    const url = page.url();
    expect(url).toMatch(new RegExp(`#/s/[^/]+/results/${runId}$`));
    const strategyId = /#\/s\/([^/]+)\//.exec(url)![1]!;

    await page.reload();
    await page.locator(`${tid("results")}[data-run-id="${runId}"]`).waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(url);
    expect(await page.textContent(tid("market-chip"))).toContain("binance · BTC/USDT · 1h");
    expect(await page.textContent(tid("market-chip"))).toContain("custom range");
    await page.click(tid("market-chip"));
    expect(await page.inputValue(tid("range-from"))).toBe(from);
    expect(await page.inputValue(tid("range-to"))).toBe(to);
    await page.keyboard.press("Escape");

    // Back shows the run shown before (the ETH one, with its warning); forward returns to this run.
    await page.goBack();
    await page.locator(`${tid("results")}[data-run-id="${ethRunId}"]`).waitFor();
    await page.locator(tid("gap-warning")).waitFor();
    await page.goForward();
    await page.locator(`${tid("results")}[data-run-id="${runId}"]`).waitFor();
    expect(page.url()).toContain(`#/s/${strategyId}/results/${runId}`);
  }, 120_000);

  it("downloads another market from the editor's picker and backtests it when the download is done", async () => {
    await page.click(tid("tab-editor"));
    await page.click(tid("market-chip"));
    await page.selectOption(tid("range-select"), "all");
    await page.selectOption(tid("market-select"), "__other__");
    await page.waitForSelector(tid("market-download"));
    await page.fill(`${tid("market-download")} ${tid("dl-symbol")}`, "BTC/USDT");
    await page.selectOption(`${tid("market-download")} ${tid("dl-timeframe")}`, "4h");
    await page.click(`${tid("market-download")} ${tid("dl-start")}`);
    // No second click: the run starts by itself once the candles are stored.
    await page.locator(`${tid("results")}[data-draw-ms]`).waitFor({ timeout: 90_000 });
    expect(await page.textContent(tid("results-head-market"))).toContain("BTC/USDT · 4h");
    expect(app!.services.db.candles.find({ exchange: "binance", symbol: "BTC/USDT", timeframe: "4h" })!.count).toBe(Math.floor(COUNT / 4));
    expect(app!.pageErrors).toEqual([]);
  }, 120_000);
});
