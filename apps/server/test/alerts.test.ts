// Alerts to a webhook and to Telegram, both loopback fakes: signed, retried after a failure and
// received once each, a test button that says whether it worked, and no secret anywhere.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { ALERT_ID_HEADER, SIGNATURE_HEADER } from "../src/alerts/alertService";
import { caughtUp, harness, leakSites, smaFlow, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A loopback HTTP receiver that answers `fail` with 503 first (then 200) and records everything. */
async function receiver(fail = 0): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  let failures = fail;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      if (failures > 0) {
        failures--;
        res.writeHead(503).end("busy");
        return;
      }
      got.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, close: () => new Promise((r) => server.close(() => r())) };
}

const SECRET = "hook-secret-0123456789abcdef";
const TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
let h: Harness | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const c of closers.splice(0)) await c();
});

describe("alerts", () => {
  it("a webhook gets signed alerts, once each though the first try failed; Telegram gets the chat message; no secret leaks", async () => {
    const hook = await receiver(1);
    const tg = await receiver();
    closers.push(hook.close, tg.close);
    const hh = (h = await harness({
      fake: { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 5, 1), count: 600, seed: 12 }) }, closedAtStart: 60, balances: { USDT: 1_000_000, BTC: 0 } },
      services: { demo: false, alerts: { telegramUrl: tg.url, baseDelayMs: 20 } },
    }));
    const webhook = await hh.caller.alerts.addWebhook({ label: "ops", url: `${hook.url}/keyflow?token=shh-url-secret`, secret: SECRET });
    expect(webhook.target).toBe(`http://127.0.0.1:${new URL(hook.url).port}/…`);
    await hh.caller.alerts.addTelegram({ token: TOKEN, chatId: "123456789" });

    // The test button: the webhook's first answer is 503, the retry arrives.
    const tested = await hh.caller.alerts.test({ id: webhook.id });
    expect(tested.lastError).toBeNull();
    expect(tested.lastSentAt).not.toBeNull();
    expect(hook.got).toHaveLength(1);
    const first = hook.got[0]!;
    expect(first.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac("sha256", SECRET).update(first.body).digest("hex")}`);
    expect(JSON.parse(first.body)).toMatchObject({ type: "test", text: expect.stringMatching(/Test alert/) });

    // A paper bot's fills reach both channels.
    const bot = await hh.caller.bots.deploy({ flow: smaFlow(2, 5), warmupBars: 30, name: "Alerted" });
    await caughtUp(hh, bot.id);
    for (let i = 0; i < 40 && !hook.got.some((r) => JSON.parse(r.body).type === "fill"); i++) {
      hh.fake.advance();
      await caughtUp(hh, bot.id);
    }
    await hh.services.alerts.settled();
    const fills = hook.got.map((r) => JSON.parse(r.body) as { id: string; type: string; bot: { name: string } | null; text: string }).filter((a) => a.type === "fill");
    expect(fills.length).toBeGreaterThan(0);
    expect(fills[0]).toMatchObject({ bot: { name: "Alerted", mode: "paper" }, text: expect.stringMatching(/^Paper: bought [\d.]+ BTC at/) });
    // Once each: every alert id arrived exactly once.
    const ids = hook.got.map((r) => r.headers[ALERT_ID_HEADER]);
    expect(new Set(ids).size).toBe(ids.length);
    const tgFill = tg.got.find((r) => r.path === `/bot${TOKEN}/sendMessage` && /bought/.test(JSON.parse(r.body).text));
    expect(JSON.parse(tgFill!.body)).toMatchObject({ chat_id: "123456789", text: expect.stringMatching(/^PAPER Alerted: Paper: bought/) });

    // Nothing secret in answers, logs, events or the database file.
    const sites = leakSites(hh, { list: JSON.stringify(await hh.caller.alerts.list()), received: hook.got.map((r) => r.body).join("\n") });
    for (const [where, text] of Object.entries(sites)) {
      for (const secret of [SECRET, TOKEN, "shh-url-secret"]) expect(text.includes(secret), `${secret.slice(0, 6)}… in ${where}`).toBe(false);
    }
  });

  it("says why a channel failed, without its secret, and refuses bad settings with what to fix", async () => {
    const hh = (h = await harness({ services: { demo: false, alerts: { telegramUrl: "http://127.0.0.1:9", baseDelayMs: 5, attempts: 2 } } }));
    const tg = await hh.caller.alerts.addTelegram({ token: TOKEN, chatId: "@keyflow_alerts" });
    const tested = await hh.caller.alerts.test({ id: tg.id });
    expect(tested.lastError).toMatch(/^Not delivered after 2 attempts: /);
    expect(tested.lastError).not.toContain(TOKEN);
    expect(await userErrorOf(hh.caller.alerts.addTelegram({ token: "nope", chatId: "1" }))).toMatchObject({ message: expect.stringMatching(/not a Telegram bot token/) });
    expect(await userErrorOf(hh.caller.alerts.addWebhook({ url: "ftp://x", secret: SECRET }))).toMatchObject({ message: expect.stringMatching(/must start with https:\/\//) });
    expect(await userErrorOf(hh.caller.alerts.addWebhook({ url: "https://example.com/h", secret: "short" }))).toMatchObject({ message: expect.stringMatching(/at least 16 characters/) });
  });

  it("sends the daily summary of the day that ended once per channel, with each bot's fills and profit", async () => {
    const hook = await receiver(1);
    closers.push(hook.close);
    const hh = (h = await harness({
      fake: { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 5, 1), count: 600, seed: 13 }) }, closedAtStart: 60, balances: { USDT: 1_000_000, BTC: 0 } },
      services: { demo: false, alerts: { baseDelayMs: 20 } },
    }));
    const channel = await hh.caller.alerts.addWebhook({ url: `${hook.url}/daily`, secret: SECRET });
    const bot = await hh.caller.bots.deploy({ flow: smaFlow(2, 5), warmupBars: 30, name: "Summed" });
    await caughtUp(hh, bot.id);
    for (let i = 0; i < 30; i++) {
      hh.fake.advance();
      await caughtUp(hh, bot.id);
    }
    await hh.services.alerts.settled();
    hook.got.splice(0);
    const fills = hh.services.db.bots.fills(bot.id).length;
    expect(fills).toBeGreaterThan(0);
    // Not yet: today has not ended.
    expect(await hh.services.alerts.dailySummary(Date.now())).toBe(0);
    // Just after the next 00:00 UTC: today's summary, delivered once though the first try failed.
    const tomorrow = (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000 + 60_000;
    expect(await hh.services.alerts.dailySummary(tomorrow)).toBe(1);
    expect(await hh.services.alerts.dailySummary(tomorrow + 3_600_000)).toBe(0);
    expect(hook.got).toHaveLength(1);
    const body = JSON.parse(hook.got[0]!.body) as { type: string; bot: unknown; text: string };
    expect(body).toMatchObject({ type: "summary", bot: null });
    expect(body.text).toMatch(/^Daily summary for \d{4}-\d{2}-\d{2} \(UTC\):\n/);
    expect(body.text).toContain(`Summed (paper, running): ${fills} fill${fills === 1 ? "" : "s"}, realized `);
    expect(hook.got[0]!.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac("sha256", SECRET).update(hook.got[0]!.body).digest("hex")}`);
    // The claim is stored with the channel: another process (or a restart) does not send it again.
    expect(hh.services.db.alerts.get(channel.id)!.summaryDay).toBe(Math.floor(tomorrow / 86_400_000) * 86_400_000 - 86_400_000);
  });
});
