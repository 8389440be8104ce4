// What every browser test needs: the web app built as it is now (the server serves it), Debian's
// Chromium through playwright-core, screenshots in test/artifacts/ and data-testid selectors.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { inflateRawSync } from "node:zlib";
import { KEYFLOW_CLIENT_HEADER, unpackResults } from "@keyflow/core";
import { configFromEnv, createServices, startHttpServer, type AppRouter, type RunningServer, type ServicesOptions } from "@keyflow/server";

type ExchangeSettings = NonNullable<Parameters<typeof createServices>[0]["exchange"]>;

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const webDir = join(root, "apps/web");
export const artifacts = join(root, "test/artifacts");
export const CHROMIUM = process.env.KEYFLOW_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Builds the web app the server serves, so the test drives the app as it is now. */
export function buildWeb(): void {
  const vite = join(webDir, "node_modules/vite/bin/vite.js");
  const build = spawnSync(process.execPath, [vite, "build", "--logLevel", "error"], { cwd: webDir, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stderr}${build.stdout}`);
}

export interface BrowserPage {
  browser: Browser;
  page: Page;
  /** Uncaught errors of the page. */
  pageErrors: string[];
  /** Everything the page wrote to its console. */
  consoleLines: string[];
}

export async function openBrowser(viewport = { width: 1440, height: 900 }): Promise<BrowserPage> {
  mkdirSync(artifacts, { recursive: true });
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set KEYFLOW_CHROMIUM).`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => consoleLines.push(m.text()));
  page.setDefaultTimeout(15_000);
  return { browser, page, pageErrors, consoleLines };
}

/** Resolves once the page has laid out and painted what its DOM holds now (fonts loaded, two frames drawn). */
export async function painted(page: Page): Promise<void> {
  await page.evaluate("document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))");
}

/** A screenshot of what the page shows once it has painted its latest state. */
export async function shot(page: Page, name: string): Promise<void> {
  await painted(page);
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

export const tid = (id: string) => `[data-testid="${id}"]`;

export interface TestServer {
  services: ReturnType<typeof createServices>;
  url: string;
  close(): Promise<void>;
}

/**
 * The real server on a random loopback port, with a temporary data directory removed on close.
 * `exchange` points it at a fake exchange (what KEYFLOW_EXCHANGE_URLS does for `keyflow serve`).
 */
export async function startTestServer(name: string, opts: { exchange?: ExchangeSettings; research?: ServicesOptions["research"] } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `keyflow-${name}-`));
  const services = createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir, ...(opts.exchange ? { exchange: opts.exchange } : {}) }, opts.research ? { research: opts.research } : {});
  const http: RunningServer = await startHttpServer(services);
  return {
    services,
    url: http.url,
    async close() {
      await http.close();
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The server as `keyflow serve` configures it from its environment — a temporary data directory, a
 * random port, the exchanges at `exchangeUrls` (the loopback fakes), ccxt's own throttle off and
 * Keyflow's limiter at 50 requests a second — plus `env` (the poll interval, streams, probation…),
 * and a browser on it. Close removes the data directory; the fakes are the caller's.
 */
export async function startEnvApp(name: string, exchangeUrls: Record<string, string>, env: Record<string, string>): Promise<TestServer & BrowserPage> {
  const dataDir = mkdtempSync(join(tmpdir(), `keyflow-e2e-${name}-`));
  const config = configFromEnv({
    KEYFLOW_DATA_DIR: dataDir,
    KEYFLOW_PORT: "0",
    KEYFLOW_EXCHANGE_URLS: JSON.stringify(exchangeUrls),
    KEYFLOW_CCXT_RATE_LIMIT_MS: "1",
    KEYFLOW_RATE_LIMIT: "50/1000",
    ...env,
  });
  const services = createServices(config, { demo: false });
  const http: RunningServer = await startHttpServer(services);
  const browser = await openBrowser();
  return {
    services,
    url: http.url,
    ...browser,
    async close() {
      await browser.browser.close();
      await http.close();
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Drags a block from the palette onto the canvas at (x, y). */
export async function dropBlock(page: Page, kind: string, x: number, y: number): Promise<void> {
  await page.dragAndDrop(tid(`palette-${kind}`), tid("canvas"), { targetPosition: { x, y } });
}

/** Drags a connection between two handles with the mouse, in steps, as a person would. */
export async function dragWire(page: Page, from: string, to: string): Promise<void> {
  const a = (await page.locator(tid(from)).boundingBox())!;
  const b = (await page.locator(tid(to)).boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 6 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 6 });
  await page.mouse.up();
}

/**
 * Clicks Backtest and waits until its results are drawn (they carry their click → drawn time then);
 * returns the shown run's id.
 */
export async function backtestShown(page: Page, timeout = 60_000): Promise<string> {
  await page.click(tid("backtest-button"));
  const results = page.locator(`${tid("results")}[data-draw-ms]`);
  await results.waitFor({ timeout });
  return (await results.getAttribute("data-run-id"))!;
}

/** A run as `backtests.get` sends it, with its packed trades and chart unpacked (null before done). */
export async function getRun(client: BrowserApp["client"], runId: string) {
  const row = await client.backtests.get.query({ runId });
  const results = row.results === null ? { trades: null, chart: null } : unpackResults(inflateRawSync(Buffer.from(row.results, "base64").subarray(1)));
  return { ...row, ...results };
}

export interface BrowserApp extends BrowserPage, TestServer {
  client: ReturnType<typeof createTRPCClient<AppRouter>>;
  /** Closes the browser and the server and deletes the data directory. */
  close(): Promise<void>;
}

/** The web app built as it is now, served by a real server on a random port over a temporary data directory, and a browser page. */
export async function startApp(opts: { exchange?: ExchangeSettings; research?: ServicesOptions["research"] } = {}): Promise<BrowserApp> {
  buildWeb();
  const server = await startTestServer("e2e", opts);
  // The server takes changes only with Keyflow's client header (SECURITY.md).
  const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${server.url}/trpc`, headers: { [KEYFLOW_CLIENT_HEADER]: "test" } })] });
  const opened = await openBrowser();
  return {
    ...opened,
    ...server,
    client,
    async close() {
      await opened.browser.close();
      await server.close();
    },
  };
}

/** The app started once for a test file (before its tests) and closed after them; `page` is its browser page. */
export function appForFile(opts: { exchange?: ExchangeSettings } = {}): { app: BrowserApp; page: Page } {
  const held = {} as { app: BrowserApp; page: Page };
  beforeAll(async () => {
    held.app = await startApp(opts);
    held.page = held.app.page;
  }, 180_000);
  afterAll(async () => {
    await held.app?.close();
  });
  return held;
}

/** Opens the editor on the app's start page and waits until its flow compiles. */
export async function openEditor(app: BrowserApp): Promise<void> {
  await app.page.goto(app.url);
  await app.page.waitForSelector(tid("compiles-ok"));
}

/**
 * Starts a new strategy from the strategies list and builds it as a person would: each block found
 * in the palette by `search` and dropped at (x, y), then each wire dragged between two handles
 * (`<node>-out-<port>` → `<node>-in-<port>`, nodes named `<kind>-<n>` in the order dropped). Waits
 * until every block and wire is on the canvas.
 */
export async function newStrategyWithBlocks(page: Page, blocks: readonly (readonly [search: string, kind: string, x: number, y: number])[], wires: readonly (readonly [from: string, to: string])[]): Promise<void> {
  await page.click(tid("open-strategies"));
  await page.click(tid("strategy-new"));
  await page.waitForSelector(tid("canvas-empty"));
  const counts = new Map<string, number>();
  for (const [q, kind, x, y] of blocks) {
    await page.fill(tid("palette-search"), q);
    await dropBlock(page, kind, x, y);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    await page.waitForSelector(tid(`node-${kind}-${counts.get(kind)}`));
  }
  await page.fill(tid("palette-search"), "");
  for (const [from, to] of wires) await dragWire(page, `handle-${from}`, `handle-${to}`);
  await expect.poll(() => page.locator(".react-flow__edge").count(), { timeout: 10_000 }).toBe(wires.length);
}
