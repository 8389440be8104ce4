// Keys and bots, driven in a real browser against the real server and the loopback fake Binance:
// a withdraw-capable key is refused, a trading key shows its probe result, the sma-cross template is
// deployed to paper, acts on the next candle the fake closes, and the kill switch stops every bot.
// No secret may ever be in the page's HTML or text, its URL, its storage or its console.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { allocCandles, backtest, compile, getTemplate } from "@keyflow/core";
import type { createServices } from "@keyflow/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, startVenueFake, type Candle, type FakeExchange, type VenueFake } from "../fake-exchange/index";
import { buildWeb, shot as shotOf, startEnvApp, tid } from "./harness";

const MIN = 60_000;
const START = Date.UTC(2024, 0, 1);
const WARM = 40;

/**
 * BTC/USDT 1m, in the past (every candle is closed by the wall clock; the fake serves one more each
 * `advance()`): a slow decline for WARM candles, so SMA 10 stays under SMA 20, then a 5 % jump on the
 * first candle the bot acts on. SMA 10 crosses above SMA 20 on that candle's close, so the buy fills
 * at the open of the candle after it — the same as the backtest says (checked below).
 */
function btcCandles(): Candle[] {
  const out: Candle[] = [];
  let prev = 30_000;
  for (let i = 0; i < 90; i++) {
    const close = i < WARM ? 30_000 - 10 * i : i === WARM ? Math.round(prev * 1.05 * 100) / 100 : prev + 10;
    const open = prev;
    out.push([START + i * MIN, open, Math.max(open, close) + 5, Math.min(open, close) - 5, close, 10]);
    prev = close;
  }
  return out;
}

const btc = btcCandles();
const barTime = (i: number) => btc[i]![0];
const hhmm = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

let fake: FakeExchange;
/** A fake OKX (its signing scheme with passphrase, its key-permission endpoint, spot trading, demo trading). */
let okx: VenueFake;
let services: ReturnType<typeof createServices> | undefined;
let app: Awaited<ReturnType<typeof startEnvApp>> | undefined;
let page: Page;
let pageErrors: string[] = [];
let consoleLines: string[] = [];
/** Every URL the page requested (tRPC queries carry their input in the URL: credentials must not). */
const requestUrls: string[] = [];
/** Every credential the test types: none may ever reach the page. */
let credentials: string[] = [];

const shot = (name: string) => shotOf(page, name);

/** The secrets are nowhere in the page: HTML (attributes included), text, URLs, storage, console. */
async function expectNoSecrets(when: string) {
  const html = await page.content();
  const text = (await page.textContent("body")) ?? "";
  const storage = String(await page.evaluate("JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })"));
  const places: Record<string, string> = { html, text, url: page.url(), requests: requestUrls.join("\n"), storage, console: consoleLines.join("\n") };
  for (const secret of credentials) {
    for (const [where, content] of Object.entries(places)) {
      if (content.includes(secret)) throw new Error(`${when}: a credential (${secret.slice(0, 4)}…) appears in the page's ${where}`);
    }
  }
}

beforeAll(async () => {
  buildWeb();
  fake = await startFakeExchange({
    candles: { BTCUSDT: btc, ETHUSDT: makeCandles({ start: START, count: 90, seed: 5, startPrice: 2_000 }) },
    closedAtStart: WARM,
  });
  // OKX: the same BTC/USDT candles; a demo-trading key besides the real ones (OKX's testnet).
  okx = await startVenueFake("okx", { candles: { BTCUSDT: btc, ETHUSDT: makeCandles({ start: START, count: 90, seed: 6, startPrice: 2_000 }) }, closedAtStart: WARM, keys: { demo: { demo: true } } });
  credentials = [
    ...[fake.keys.withdraw!, fake.keys.noIpWhitelist!, fake.keys.trade!].flatMap((k) => [k.secret, k.apiKey]),
    ...[okx.keys.trade!, okx.keys.demo!].flatMap((k) => [k.secret, k.apiKey, k.passphrase!]),
  ];

  // The server as configured from its environment: temp data dir, random port, binance and okx → the fakes.
  app = await startEnvApp("bots", { binance: fake.url, okx: okx.url }, { KEYFLOW_BOT_POLL_MS: "150" });
  services = app.services;
  ({ page, pageErrors, consoleLines } = app);
  page.on("request", (r) => requestUrls.push(r.url()));
}, 180_000);

afterAll(async () => {
  await app?.close();
  await fake?.close();
  await okx?.close();
});

describe("keys and bots in a real browser", () => {
  it("the candles make sma-cross buy on the first candle a bot acts on (fill at the next open)", () => {
    const flow = getTemplate("sma-cross")!.flow;
    const c = compile(flow);
    if (!c.ok) throw new Error("sma-cross does not compile");
    const rows = btc.slice(0, WARM + 2);
    const candles = allocCandles(rows.length);
    rows.forEach((r, i) => {
      [candles.time[i], candles.open[i], candles.high[i], candles.low[i], candles.close[i], candles.volume[i]] = r;
    });
    const r = backtest(c.spec, candles, flow.settings);
    expect(r.trades).toEqual([]);
    expect(r.openPosition?.entryTime).toBe(barTime(WARM + 1));
  });

  it("empty states say what to do next", async () => {
    await page.goto(app!.url);
    await page.waitForSelector(tid("node-fast"));
    await page.click(tid("tab-bots"));
    await page.waitForSelector(tid("bots-empty"));
    expect(await page.textContent(tid("bots-empty"))).toMatch(/Deploy a strategy from the editor/);
    // The kill switch is always on the bots page; in the top bar only while a bot runs.
    expect(await page.locator(tid("kill-switch")).isVisible()).toBe(true);
    expect(await page.locator(tid("kill-switch-topbar")).count()).toBe(0);
    await shot("20-bots-empty");

    await page.click(tid("tab-keys"));
    await page.waitForSelector(tid("keys-empty"));
    expect(await page.textContent(tid("keys-empty"))).toContain("Paper bots need no key; add a key to trade live");
    await shot("21-keys-empty");
  });

  it("refuses a key that can withdraw, with what to do; the typed credentials are gone at once", async () => {
    const k = fake.keys.withdraw!;
    expect(await page.locator(tid("add-key-password")).count()).toBe(0); // binance needs no passphrase
    expect(await page.getAttribute(tid("add-key-secret"), "type")).toBe("password");
    expect(await page.getAttribute(tid("add-key-secret"), "autocomplete")).toBe("off");
    await page.fill(tid("add-key-label"), "Withdraw-enabled");
    await page.fill(tid("add-key-apiKey"), k.apiKey);
    await page.fill(tid("add-key-secret"), k.secret);
    await expectNoSecrets("while typing");
    await page.click(tid("add-key-submit"));
    expect(await page.inputValue(tid("add-key-secret"))).toBe("");
    expect(await page.inputValue(tid("add-key-apiKey"))).toBe("");
    const refusal = page.locator(`${tid("add-key-refusal")}[data-reason="withdraw"]`);
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain("create a key without withdrawal permission");
    expect(await page.locator(tid("key-card")).count()).toBe(0);
    await expectNoSecrets("after the refusal");
    await shot("22-key-refused-withdraw");
  });

  it("adds a trading key and shows its probe result: permissions and the missing IP whitelist", async () => {
    const k = fake.keys.noIpWhitelist!;
    await page.fill(tid("add-key-label"), "Binance trading");
    await page.fill(tid("add-key-apiKey"), k.apiKey);
    await page.fill(tid("add-key-secret"), k.secret);
    await page.click(tid("add-key-submit"));
    expect(await page.inputValue(tid("add-key-secret"))).toBe("");
    const card = page.locator(`${tid("key-card")}[data-label="Binance trading"]`);
    await card.waitFor();
    expect(await page.locator(tid("add-key-refusal")).count()).toBe(0);
    const perm = async (id: string) => card.locator(tid(`perm-${id}`)).getAttribute("data-state");
    expect({ read: await perm("read"), trade: await perm("trade"), withdraw: await perm("withdraw"), ip: await perm("ip") }).toEqual({ read: "yes", trade: "yes", withdraw: "no", ip: "no" });
    expect(await card.locator(tid("key-warning")).first().textContent()).toMatch(/No IP whitelist/);
    expect(await card.locator(tid("key-probe")).textContent()).toContain("may trade live");
    // Masked: the first and last characters of the key id, never the whole of it.
    expect(await card.locator(".masked").textContent()).toMatch(/^\w{4}…\w{4}$/);

    await card.locator(tid("key-probe-button")).click();
    await card.locator(tid("key-probe-button")).filter({ hasText: "Check again" }).waitFor();
    expect(await card.locator(tid("key-probe")).getAttribute("data-status")).toBe("ok");
    await expectNoSecrets("after adding the key");
    await shot("23-key-added");
  });

  it("rotates the key to new credentials (checked first): the IP-whitelisted key has no warning", async () => {
    const card = page.locator(`${tid("key-card")}[data-label="Binance trading"]`);
    const before = await card.locator(".masked").textContent();
    await card.locator(tid("key-rotate-button")).click();
    await page.waitForSelector(tid("rotate-key-dialog"));
    await page.fill(tid("rotate-key-apiKey"), fake.keys.trade!.apiKey);
    await page.fill(tid("rotate-key-secret"), fake.keys.trade!.secret);
    await page.click(tid("rotate-key-submit"));
    await page.waitForSelector(tid("rotate-key-dialog"), { state: "detached" });
    await card.locator(`${tid("perm-ip")}[data-state="yes"]`).waitFor();
    expect(await card.locator(tid("key-warning")).count()).toBe(0);
    expect(await card.locator(".masked").textContent()).not.toBe(before);
    expect(await card.textContent()).toContain("Rotated just now");
    await expectNoSecrets("after rotating the key");
  });

  it("deploys sma-cross: live needs the key and a real-money confirmation; paper is the default", async () => {
    await page.click(tid("tab-editor"));
    await page.click(tid("deploy-button"));
    await page.waitForSelector(tid("deploy-dialog"));
    expect(await page.getAttribute(tid("mode-paper"), "aria-checked")).toBe("true");
    // The editor's flow runs on the demo market; a bot needs an exchange: binance BTC/USDT, 1m candles.
    expect(await page.inputValue(tid("deploy-exchange"))).toBe("binance");
    expect(await page.inputValue(tid("deploy-symbol"))).toBe("BTC/USDT");
    await page.selectOption(tid("deploy-timeframe"), "1m");
    expect(Number(await page.inputValue(tid("deploy-maxOrderValue")))).toBeGreaterThan(0);
    expect(Number(await page.inputValue(tid("deploy-maxOrdersPerHour")))).toBeGreaterThan(0);

    await page.click(tid("mode-live"));
    expect(await page.locator(tid("deploy-review-live")).isDisabled()).toBe(true);
    expect(await page.textContent(tid("deploy-blocked"))).toMatch(/Choose the key/);
    await page.selectOption(tid("deploy-key"), { index: 1 }); // "Binance trading · fake…", the only binance key
    await page.click(tid("deploy-review-live"));
    await page.waitForSelector(tid("live-confirm"));
    expect(await page.textContent(tid("live-warning"))).toContain("Real money is at risk");
    expect(await page.locator(tid("live-deploy")).isDisabled()).toBe(true);
    await page.check(tid("live-ack"));
    expect(await page.locator(tid("live-deploy")).isEnabled()).toBe(true);
    await shot("24-live-confirmation");
    // Not today: back, and deploy to paper.
    await page.click(tid("live-back"));
    await page.click(tid("mode-paper"));
    await shot("25-deploy-paper");
    await page.click(tid("deploy-submit"));
    await page.waitForSelector(tid("deploy-dialog"), { state: "detached" });

    await page.waitForSelector(tid("bots-page"));
    const row = page.locator(tid("bot-row")).first();
    await row.waitFor();
    expect(await row.locator(tid("mode-badge")).getAttribute("data-mode")).toBe("paper");
    expect(await row.getAttribute("data-status")).toBe("running");
    const bots = await services!.bots.list();
    expect(bots).toHaveLength(1);
    expect(bots[0]).toMatchObject({ mode: "paper", keyId: null, market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" } });
    // Warmed up on the closed history: the last candle processed is the last one the fake closed.
    await page.locator(tid("detail-last-candle")).filter({ hasText: hhmm(barTime(WARM - 1)) }).waitFor();
    await page.locator(tid("log-line")).filter({ hasText: `Warmed up on ${WARM} candles` }).waitFor();
  });

  it("acts on the next candle: the fake closes it, the UI shows the decision's fill live", async () => {
    fake.advance(1); // candle WARM closes: SMA 10 crosses above SMA 20, the bot decides to buy
    await page.locator(tid("detail-last-candle")).filter({ hasText: hhmm(barTime(WARM)) }).waitFor();
    expect(await page.textContent(tid("detail-position"))).toBe("flat");
    fake.advance(1); // the market order fills at this candle's open
    const order = page.locator(`${tid("order-row")}[data-bar="${barTime(WARM + 1)}"]`);
    await order.waitFor();
    expect(await order.getAttribute("data-side")).toBe("buy");
    expect(await order.getAttribute("data-status")).toBe("filled");
    expect(await page.textContent(tid("detail-position"))).toMatch(/BTC @ /);
    expect(await page.locator(tid("bot-row")).first().locator(tid("bot-position")).textContent()).toMatch(/BTC @ /);
    await page.locator(tid("log-line")).filter({ hasText: /Paper: bought .* BTC at/ }).waitFor();
    await page.locator(tid("detail-last-candle")).filter({ hasText: hhmm(barTime(WARM + 1)) }).waitFor();
    // The candles came over the exchange's websocket: the page says so, with the bot's REST spend.
    await page.locator(tid("detail-delivery")).filter({ hasText: "stream" }).waitFor();
    await page.locator(`${tid("recent-candles")} [data-channel="stream"]`).filter({ hasText: hhmm(barTime(WARM + 1)).slice(11) }).waitFor();
    expect(await page.locator(tid("detail-delivery")).locator("xpath=..").textContent()).toMatch(/candles by stream · \d+ requests\/min/);
    await shot("26-bot-acted");
  });

  it("deploys a LIVE bot only through the confirmation; its key cannot be removed while it runs", async () => {
    await page.click(tid("deploy-open"));
    await page.waitForSelector(tid("deploy-dialog"));
    await page.fill(tid("deploy-symbol"), "ETH/USDT");
    await page.selectOption(tid("deploy-timeframe"), "1m");
    await page.fill(tid("deploy-name"), "SMA cross · ETH live");
    await page.click(tid("mode-live"));
    await page.selectOption(tid("deploy-key"), { index: 1 });
    await page.click(tid("deploy-review-live"));
    await page.check(tid("live-ack"));
    await page.click(tid("live-deploy"));
    await page.waitForSelector(tid("live-confirm"), { state: "detached" });
    const live = page.locator(`${tid("bot-row")}:has(${tid("mode-badge")}[data-mode="live"])`);
    await live.waitFor();
    expect(await live.getAttribute("data-status")).toBe("running");
    expect(await live.textContent()).toContain("key Binance trading");
    await page.waitForSelector(`${tid("kill-switch-topbar")} [data-running="2"][data-live="1"]`);
    expect((await services!.bots.list()).find((b) => b.mode === "live")).toMatchObject({ market: { symbol: "ETH/USDT" }, keyLabel: "Binance trading" });
    await page.locator(tid("detail-last-candle")).filter({ hasText: hhmm(barTime(WARM + 1)) }).waitFor();
    await shot("27-live-bot-running");

    await page.click(tid("tab-keys"));
    const card = page.locator(`${tid("key-card")}[data-label="Binance trading"]`);
    await card.locator(tid("key-remove-button")).click();
    await page.click(tid("key-remove-confirm"));
    const refusal = card.locator(tid("key-error"));
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/used by the live bot "SMA cross · ETH live".*stop it first/);
    expect(await page.locator(tid("key-card")).count()).toBe(1);
    await expectNoSecrets("with a live bot running");
    await shot("28-key-remove-refused");
  });

  it("stops and starts one bot", async () => {
    await page.click(tid("tab-bots"));
    const paper = page.locator(`${tid("bot-row")}:has(${tid("mode-badge")}[data-mode="paper"])`);
    await paper.click();
    await page.waitForSelector(`${tid("bot-detail")} >> text=SMA cross · BTC/USDT 1m`);
    await page.click(`${tid("bot-detail")} ${tid("bot-stop")}`);
    await page.waitForSelector(`${tid("bot-detail")} ${tid("bot-status")}[data-status="stopped"]`);
    expect(await paper.getAttribute("data-status")).toBe("stopped");
    await page.click(`${tid("bot-detail")} ${tid("bot-start")}`);
    await page.waitForSelector(`${tid("bot-detail")} ${tid("bot-status")}[data-status="running"]`);
    // Restarted, it rebuilds its state from the journal: the position is still there. Replaying the
    // history goes through the (fake) exchange and can take a while when every core is busy.
    const botId = (await paper.getAttribute("data-bot-id")) ?? undefined;
    await page
      .locator(tid("log-line"))
      .filter({ hasText: "Resumed" })
      .waitFor({ timeout: 60_000 })
      .catch((e: Error) => {
        // Say what the bot did instead, for whoever reads the failure.
        const log = services!.db.bots.recentEvents(botId, 30).map((ev) => `${ev.level}: ${ev.message}`);
        throw new Error(`${e.message}\nthe bot's last events:\n${log.join("\n")}`);
      });
    expect(await page.textContent(tid("detail-position"))).toMatch(/BTC @ /);
  });

  it("the kill switch stops every bot and says what it did; then the key can go", async () => {
    await page.waitForSelector(`${tid("kill-switch-topbar")} [data-running="2"]`);
    await page.click(tid("kill-switch"));
    await page.waitForSelector(tid("kill-dialog"));
    expect(await page.textContent(tid("kill-dialog"))).toMatch(/Stops 2 bots \(1 live\)/);
    await shot("29-kill-switch-confirm");
    await page.click(tid("kill-confirm"));
    const result = page.locator(tid("kill-result"));
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Kill switch: 2 bots stopped, 0 open orders cancelled/);
    await page.locator(`${tid("bot-row")}[data-status="stopped"]`).nth(1).waitFor();
    expect(await page.locator(`${tid("bot-row")}:not([data-status="stopped"])`).count()).toBe(0);
    await page.waitForSelector(tid("kill-switch-topbar"), { state: "detached" });
    expect((await services!.bots.list()).map((b) => b.status)).toEqual(["stopped", "stopped"]);
    await page.locator(tid("log-line")).filter({ hasText: "Stopped by the kill switch." }).first().waitFor();
    await shot("30-kill-switch-done");

    // Its live bot stopped, the key may be removed.
    await page.click(tid("tab-keys"));
    await page.locator(tid("key-remove-button")).click();
    await page.click(tid("key-remove-confirm"));
    await page.waitForSelector(tid("keys-empty"));
    expect(await services!.keys.list()).toEqual([]);

    await expectNoSecrets("at the end");
    expect(pageErrors).toEqual([]);
  });

  it("adds an OKX key with its passphrase: says what Keyflow verifies there, explains a wrong passphrase and stores nothing", async () => {
    const k = okx.keys.trade!;
    await page.selectOption(tid("add-key-exchange"), "okx");
    await page.waitForSelector(tid("add-key-password"));
    expect(await page.getAttribute(tid("add-key-password"), "type")).toBe("password");
    await page.locator(tid("add-key-verifies")).filter({ hasText: "On OKX Keyflow can verify" }).waitFor();
    expect(await page.textContent(tid("add-key-verifies"))).toMatch(/✓ the key's permissions · ✓ its IP whitelist · testnet available · needs the key's passphrase/);

    const fill = async (passphrase: string) => {
      await page.fill(tid("add-key-label"), "OKX trading");
      await page.fill(tid("add-key-apiKey"), k.apiKey);
      await page.fill(tid("add-key-secret"), k.secret);
      await page.fill(tid("add-key-password"), passphrase);
      await page.click(tid("add-key-submit"));
    };
    await fill("Not-the-passphrase-1");
    const refusal = page.locator(tid("add-key-refusal"));
    await refusal.waitFor();
    expect(await refusal.getAttribute("data-reason")).toBe("bad-passphrase");
    expect(await refusal.textContent()).toMatch(/The passphrase does not match this API key.*rejected the passphrase of this API key/);
    expect(await page.inputValue(tid("add-key-password"))).toBe("");
    expect(await services!.keys.list()).toEqual([]);

    await fill(k.passphrase!);
    const card = page.locator(`${tid("key-card")}[data-label="OKX trading"]`);
    await card.waitFor();
    const perm = async (id: string) => card.locator(tid(`perm-${id}`)).getAttribute("data-state");
    expect({ read: await perm("read"), trade: await perm("trade"), withdraw: await perm("withdraw"), ip: await perm("ip") }).toEqual({ read: "yes", trade: "yes", withdraw: "no", ip: "yes" });
    expect(await card.locator(tid("key-probe")).textContent()).toContain("may trade live");
    expect(await card.locator(tid("key-warning")).count()).toBe(0);
    await shot("31-okx-key-added");
    await expectNoSecrets("after adding the OKX key");
    expect(pageErrors).toEqual([]);
  });
  it("lists the exchanges with what Keyflow verifies on each, adds an OKX demo-trading key with its passphrase and deploys a testnet bot: its orders reach OKX's demo environment only", async () => {
    await page.selectOption(tid("add-key-exchange"), "okx");
    expect(await page.locator(`${tid("add-key-exchange")} option[value="okx"]`).textContent()).toBe("OKX");
    expect(await page.locator(`${tid("add-key-exchange")} option[value="coinbase"]`).textContent()).toBe("Coinbase Advanced");
    await page.locator(`${tid("add-key-exchanges-details")} summary`).click();
    const okxRow = page.locator(`${tid("add-key-exchange-row")}[data-exchange="okx"]`);
    expect(await okxRow.locator("td").allTextContents()).toEqual(["OKX", "✓", "✓", "✓", "yes", "↗"]);
    expect(await page.locator(`${tid("add-key-exchange-row")}[data-exchange="coinbase"] td`).allTextContents()).toEqual(["Coinbase Advanced", "✓", "—", "—", "", "↗"]);
    await page.check(tid("add-key-testnet-checkbox"));
    expect(await page.getAttribute(tid("add-key-create-link"), "href")).toBe("https://www.okx.com/account/my-api");
    const k = okx.keys.demo!;
    await page.fill(tid("add-key-label"), "OKX demo");
    await page.fill(tid("add-key-apiKey"), k.apiKey);
    await page.fill(tid("add-key-secret"), k.secret);
    await page.fill(tid("add-key-password"), k.passphrase!);
    await shot("32-add-key-exchanges");
    await page.click(tid("add-key-submit"));
    const card = page.locator(`${tid("key-card")}[data-label="OKX demo"]`);
    await card.waitFor();
    await card.locator(tid("key-testnet")).waitFor();
    const key = (await services!.keys.list()).find((x) => x.label === "OKX demo")!;
    expect(key).toMatchObject({ exchange: "okx", testnet: true, liveAllowed: true });

    // Deploy sma-cross live on the demo key: OKX BTC/USDT 1m.
    await page.click(tid("tab-bots"));
    await page.click(tid("deploy-open"));
    await page.waitForSelector(tid("deploy-dialog"));
    await page.fill(tid("deploy-name"), "SMA cross · OKX demo");
    await page.selectOption(tid("deploy-exchange"), "okx");
    await page.fill(tid("deploy-symbol"), "BTC/USDT");
    await page.selectOption(tid("deploy-timeframe"), "1m");
    await page.click(tid("mode-live"));
    await page.selectOption(tid("deploy-key"), key.id);
    await page.click(tid("deploy-review-live"));
    await page.waitForSelector(tid("live-confirm"));
    expect(await page.textContent(tid("live-warning"))).toMatch(/Testnet: play money\..*OKX demo/);
    expect(await page.textContent(tid("live-confirm"))).toMatch(/Deploy a LIVE bot on the TESTNET.*I understand that this bot trades on its own on the testnet/);
    await page.check(tid("live-ack"));
    await page.locator(`${tid("preflight")}[data-ok="true"]`).waitFor();
    await shot("33-okx-testnet-confirmation");
    await page.click(tid("live-deploy"));
    await page.waitForSelector(tid("live-confirm"), { state: "detached" });
    const row = page.locator(`${tid("bot-row")}:has(${tid("mode-badge")}[data-testnet="true"])`);
    await row.waitFor();
    expect(await row.locator(tid("mode-badge")).textContent()).toBe("LIVE · TESTNET");
    const bot = (await services!.bots.list()).find((b) => b.name === "SMA cross · OKX demo")!;
    expect(bot).toMatchObject({ mode: "live", testnet: true, probation: null, market: { exchange: "okx", symbol: "BTC/USDT", timeframe: "1m" } });

    // Under a loaded machine the bot's warm-up from the venue fake (300-candle pages) can take a while.
    // The next candle makes sma-cross buy; its market order fills at the following open, on OKX's demo environment.
    await row.click();
    await page.locator(tid("detail-last-candle")).filter({ hasText: hhmm(barTime(WARM - 1)) }).waitFor({ timeout: 45_000 });
    okx.advance(1);
    await page.locator(tid("detail-last-candle")).filter({ hasText: hhmm(barTime(WARM)) }).waitFor({ timeout: 45_000 });
    okx.advance(1);
    const order = page.locator(`${tid("order-row")}[data-bar="${barTime(WARM)}"]`);
    await order.waitFor({ timeout: 45_000 });
    await page.locator(`${tid("order-row")}[data-bar="${barTime(WARM)}"][data-status="filled"]`).waitFor({ timeout: 45_000 });
    expect(await order.getAttribute("data-side")).toBe("buy");
    expect(okx.engine.orders.map((o) => [o.side, o.status])).toEqual([["BUY", "FILLED"]]);
    // Signed only by the demo key, every request with OKX's demo header (the fake refuses a demo key without it).
    const signedBy = new Set(okx.requests.filter((r) => r.method === "POST").map((r) => r.apiKey));
    expect([...signedBy]).toEqual([k.apiKey]);
    expect(fake.engine.orders.filter((o) => o.time > bot.createdAt)).toEqual([]);
    await shot("34-okx-testnet-bot");
    await expectNoSecrets("after the OKX testnet bot traded");
    expect(pageErrors).toEqual([]);
  });
});
