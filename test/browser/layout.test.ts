// The layout at the three screen sizes people use: 1024×700 (small laptop), 1280×800 and 1440×900.
// Checked by bounding boxes (what is on screen, what overlaps), with screenshots for a person to look at.
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTemplate } from "@keyflow/core";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { buildWeb, openBrowser, shot, startTestServer, tid, type TestServer } from "./harness";

let fake: FakeExchange | undefined;
let server: TestServer | undefined;
let browser: Browser | undefined;
let page: Page;
let pageErrors: string[] = [];

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  if (!b) throw new Error(`${l} is not on the page`);
  return b;
}

/** The parts of `b` that are off the viewport (empty when it is fully on screen). */
function offScreen(name: string, b: Box, vw: number, vh: number): string[] {
  const out: string[] = [];
  if (b.x < 0 || b.y < 0) out.push(`${name} starts off screen at (${b.x}, ${b.y})`);
  if (b.x + b.width > vw + 0.5) out.push(`${name} ends at x = ${Math.round(b.x + b.width)} > ${vw}`);
  if (b.y + b.height > vh + 0.5) out.push(`${name} ends at y = ${Math.round(b.y + b.height)} > ${vh}`);
  return out;
}

/**
 * What is wrong with the top bar's tabs: a tab strip that scrolls (its last tabs hidden behind the
 * edge), a tab whose label is cut, a tab off screen or outside the strip.
 */
async function tabsCut(vw: number, vh: number): Promise<string[]> {
  const strip = page.locator(".topbar .tabs");
  const out = await clipped(strip);
  const stripBox = await box(strip);
  out.push(...(await clipped(page.locator(".topbar .tab"))));
  for (const tab of await page.locator(".topbar .tab").all()) {
    const name = (await tab.textContent())!;
    const b = await box(tab);
    out.push(...offScreen(`tab ${name}`, b, vw, vh));
    if (b.x < stripBox.x - 0.5 || b.x + b.width > stripBox.x + stripBox.width + 0.5) out.push(`tab ${name} lies outside the tab strip`);
  }
  return out;
}

/** The top bar's parts that must all be on screen and apart. */
async function barParts(): Promise<[string, Box][]> {
  const parts: [string, Box][] = [["tabs", await box(page.locator(".topbar .tabs"))]];
  for (const [name, id] of [
    ["name", "strategy-name"],
    ["save state", "save-state"],
    ["kill switch", "kill-switch-topbar"],
    ["menu", "topbar-menu"],
    ["deploy", "deploy-button"],
    ["market chip", "market-chip"],
    ["Backtest", "backtest-button"],
  ] as const) {
    const l = page.locator(tid(id));
    if ((await l.count()) > 0 && (await l.isVisible())) parts.push([name, await box(l)]);
  }
  return parts;
}

const overlap = (a: Box, b: Box) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5;

/** Pairs of named boxes that overlap. */
function overlaps(boxes: [string, Box][]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i]![1], boxes[j]![1])) out.push(`${boxes[i]![0]} overlaps ${boxes[j]![0]}`);
  return out;
}

/** Elements whose text is wider than the element (cut off or spilling over a neighbour). */
async function clipped(l: Locator): Promise<string[]> {
  return l.evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `"${e.textContent}" needs ${e.scrollWidth} px, has ${e.clientWidth}`));
}

/** The trades table's visible column headers that overlap (P&L stays in view and must not cover Return). */
async function tradeColumnsApart(): Promise<string[]> {
  const heads: [string, Box][] = [];
  for (const th of await page.locator(`${tid("trades-table")} th`).all()) if (await th.isVisible()) heads.push([(await th.getAttribute("data-testid"))!, await box(th)]);
  return overlaps(heads);
}

/** How wide the page's content is; more than the window means a sideways scroll. */
const pageWidth = async () => Number(await page.evaluate("document.documentElement.scrollWidth"));

async function setSize(width: number, height: number) {
  await page.setViewportSize({ width, height });
  await page.waitForFunction(`innerWidth === ${width} && innerHeight === ${height}`);
}

beforeAll(async () => {
  buildWeb();
  // A live bot on this fake puts the kill switch in the top bar (the last test).
  fake = await startFakeExchange({ candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 8, 1), count: 400, seed: 3 }) }, closedAtStart: 200 });
  server = await startTestServer("layout", { exchange: { urls: { binance: fake.url }, timeoutMs: 3000, limit: { maxRequests: 50, windowMs: 1000 }, ccxtRateLimitMs: 1 } });
  ({ browser, page, pageErrors } = await openBrowser({ width: 1024, height: 700 }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
});

describe("layout at 1024×700, 1280×800 and 1440×900", () => {
  it("at 1024×700 the top bar, Backtest, the market chip and every KPI are on screen and apart", async () => {
    await page.goto(server!.url);
    await page.waitForSelector(tid("node-fast"));
    await page.waitForSelector(`${tid("save-state")}[data-state="saved"]`);
    await page.waitForSelector(tid("compiles-ok"));

    const vw = 1024;
    const vh = 700;
    // Nothing scrolls sideways: the whole page fits the window's width.
    expect(await pageWidth()).toBeLessThanOrEqual(vw);
    const bar: [string, Box][] = [
      ["Backtest", await box(page.locator(tid("backtest-button")))],
      ["market chip", await box(page.locator(tid("market-chip")))],
      ["name", await box(page.locator(tid("strategy-name")))],
      ["menu", await box(page.locator(tid("topbar-menu")))],
    ];
    expect(bar.flatMap(([n, b]) => offScreen(n, b, vw, vh))).toEqual([]);
    expect(overlaps(bar)).toEqual([]);
    // The secondary actions are one click away in the menu.
    await page.click(tid("topbar-menu"));
    await page.waitForSelector(tid("open-templates"));
    expect(offScreen("menu list", await box(page.locator(".menu-list")), vw, vh)).toEqual([]);
    await page.keyboard.press("Escape");
    await page.waitForSelector(tid("open-templates"), { state: "detached" });
    await shot(page, "layout-1024-editor");

    await page.click(tid("backtest-button"));
    await page.waitForSelector(tid("trade-row"), { timeout: 120_000 });
    const cards = page.locator(`${tid("kpis")} > .kpi`);
    expect(await cards.count()).toBe(7);
    const kpis: [string, Box][] = [];
    for (const card of await cards.all()) kpis.push([(await card.getAttribute("data-testid"))!, await box(card)]);
    const all = [...kpis, ["Backtest", await box(page.locator(tid("backtest-button")))], ["market chip", await box(page.locator(tid("market-chip")))]] as [string, Box][];
    expect(all.flatMap(([n, b]) => offScreen(n, b, vw, vh))).toEqual([]);
    expect(overlaps(all)).toEqual([]);
    // No label or value is cut off or runs into the next card.
    expect(await clipped(page.locator(`${tid("kpis")} .k, ${tid("kpis")} .v`))).toEqual([]);
    // The trades table shows every trade's P&L inside its panel.
    const side = await box(page.locator(".results-side"));
    const pnl = await box(page.locator(`${tid("trade-row")} .col-pnl`).first());
    expect(pnl.x).toBeGreaterThanOrEqual(side.x);
    expect(pnl.x + pnl.width).toBeLessThanOrEqual(side.x + side.width + 0.5);
    expect(await tradeColumnsApart()).toEqual([]);
    await shot(page, "layout-1024-results");
    await page.click(tid("results-tab-report"));
    await page.waitForSelector(tid("report-months"));
    expect(await pageWidth()).toBeLessThanOrEqual(vw);
    await shot(page, "layout-1024-report");
    await page.click(tid("results-tab-chart"));
  });

  it("saves the editor and the results at 1280×800 and 1440×900; the name field grows with its text", async () => {
    for (const [w, h] of [
      [1280, 800],
      [1440, 900],
    ] as const) {
      await setSize(w, h);
      expect(await pageWidth()).toBeLessThanOrEqual(w);
      const kpis: [string, Box][] = [];
      for (const card of await page.locator(`${tid("kpis")} > .kpi`).all()) kpis.push([(await card.getAttribute("data-testid"))!, await box(card)]);
      expect(overlaps(kpis)).toEqual([]);
      expect(kpis.flatMap(([n, b]) => offScreen(n, b, w, h))).toEqual([]);
      expect(await tradeColumnsApart()).toEqual([]);
      // From 1280 px on, the seven cards fit in one row.
      expect(new Set(kpis.map(([, b]) => Math.round(b.y))).size).toBe(1);
      expect(await clipped(page.locator(`${tid("kpis")} .k, ${tid("kpis")} .v`))).toEqual([]);
      await shot(page, `layout-${w}-results`);
      await page.click(tid("tab-editor"));
      await page.waitForSelector(tid("canvas"));
      await shot(page, `layout-${w}-editor`);
      await page.click(tid("tab-results"));
      await page.waitForSelector(tid("trade-row"));
    }

    // At 1440 px the inline actions leave the name what is left; with them in the menu it has room.
    await setSize(1280, 800);
    const name = page.locator(tid("strategy-name"));
    const saved = await name.inputValue();
    const before = (await box(name)).width;
    // The name the issue saw cut to "RSI 30/70 mean reversion wit" in a box of ~18 characters.
    await name.fill("RSI 30/70 mean reversion with ETH");
    // The whole name is visible: the field widened instead of scrolling its text.
    expect((await box(name)).width).toBeGreaterThan(before);
    expect(await clipped(name)).toEqual([]);
    // Escape gives the name back as it was.
    await name.press("Escape");
    expect(await name.inputValue()).toBe(saved);
    expect(pageErrors).toEqual([]);
  });

  it("click-to-add puts each new block on a free spot near the view's centre", async () => {
    await page.click(tid("tab-editor"));
    await page.waitForSelector(tid("node-fast"));
    const before = await page.locator(".react-flow__node").count();
    for (const kind of ["rsi", "rsi", "macd", "lessThan", "buy"]) await page.click(tid(`palette-${kind}`));
    await page.waitForFunction(`document.querySelectorAll(".react-flow__node").length === ${before + 5}`);
    const nodes: [string, Box][] = [];
    for (const n of await page.locator(".react-flow__node").all()) nodes.push([(await n.getAttribute("data-id"))!, await box(n)]);
    await shot(page, "layout-1280-click-to-add");
    expect(overlaps(nodes)).toEqual([]);

    // Arrange lays the whole graph out left to right: still no overlaps, every link rightwards.
    const before0 = (await box(page.locator(tid("node-buy-1")))).x;
    await page.click(tid("arrange"));
    await page.waitForFunction(`document.querySelector('[data-id="buy-1"]').getBoundingClientRect().x !== ${before0}`);
    // One snapshot of every block (were the view still fitting, a uniform zoom keeps order and gaps).
    const arranged = (await page.evaluate(
      `[...document.querySelectorAll(".react-flow__node")].map((n) => { const r = n.getBoundingClientRect(); return [n.dataset.id, { x: r.x, y: r.y, width: r.width, height: r.height }]; })`,
    )) as [string, Box][];
    expect(overlaps(arranged)).toEqual([]);
    const at = new Map(arranged);
    for (const [source, target] of [["close", "fast"], ["fast", "up"], ["up", "buy"]] as const) expect(at.get(source)!.x + at.get(source)!.width).toBeLessThan(at.get(target)!.x);
    await shot(page, "layout-1280-arranged");
    await page.keyboard.press("Control+z");
    for (let i = 0; i < 5; i++) await page.keyboard.press("Control+z");
    await page.waitForFunction(`document.querySelectorAll(".react-flow__node").length === ${before}`);
  });

  it("shows every tab whole at 1024, 1280 and 1440 px, without bots and with a live bot's kill switch in the bar", async () => {
    const sizes = [
      [1024, 700],
      [1280, 800],
      [1440, 900],
    ] as const;
    const check = async (what: string) => {
      for (const [w, h] of sizes) {
        await setSize(w, h);
        await page.click(tid("tab-editor"));
        await page.waitForSelector(tid("canvas"));
        expect(await pageWidth()).toBeLessThanOrEqual(w);
        expect(await tabsCut(w, h)).toEqual([]);
        const parts = await barParts();
        expect(parts.flatMap(([n, b]) => offScreen(n, b, w, h))).toEqual([]);
        expect(overlaps(parts)).toEqual([]);
        // The switch's count of running and live bots is whole too.
        expect(await clipped(page.locator(`${tid("kill-switch-topbar")}, ${tid("kill-switch-topbar")} .kill-count`))).toEqual([]);
        await shot(page, `layout-${w}-topbar-${what}`);
      }
    };
    await page.locator(tid("kill-switch-topbar")).waitFor({ state: "detached" });
    await check("no-bots");

    const services = server!.services;
    const k = fake!.keys.trade!;
    const key = await services.keys.add({ exchange: "binance", label: "Binance trading", apiKey: k.apiKey, secret: k.secret });
    const flow = structuredClone(getTemplate("sma-cross")!.flow);
    flow.market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" };
    services.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, name: "Layout live" });
    // The bar shows the switch with its count of running and live bots.
    await page.waitForSelector(`${tid("kill-switch-topbar")} [data-live="1"]`, { timeout: 30_000 });
    await check("live-bot");
    await services.bots.stopAll();
    expect(pageErrors).toEqual([]);
  });
});
