// Testnet keys: the key, its probe and its bots talk only to the exchange's test environment; a real
// key cannot be stored as a testnet key (nor rotated into one), and views say "testnet".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles, startFakeExchange, type FakeExchange } from "../../../test/fake-exchange/index";
import { harness, lastClosedTime, smaFlow, until, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const START = Date.UTC(2024, 0, 1);
const candles = () => ({ BTCUSDT: makeCandles({ start: START, count: 160, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: 160, seed: 8, startPrice: 2000 }) });
const fakeOptions = { candles: candles(), closedAtStart: 5, balances: { USDT: 1_000_000, BTC: 0, ETH: 0 }, feeRate: 0.001 };

let h: Harness;
let testnet: FakeExchange;
beforeAll(async () => {
  testnet = await startFakeExchange(fakeOptions);
  const urls: Record<string, string> = { "binance:testnet": testnet.url };
  h = await harness({ fake: fakeOptions, exchange: { urls } });
  urls["binance"] = h.fake.url;
});
afterAll(async () => {
  await h?.close();
  await testnet?.close();
});

const signedBy = (fake: FakeExchange, apiKey: string) => fake.stats.requests.filter((r) => r.apiKey === apiKey);

describe("testnet keys", () => {
  it("are offered where ccxt has a test environment, and refused elsewhere", async () => {
    expect(await h.caller.keys.capabilities({ exchange: "binance" })).toMatchObject({ testnet: true, passphrase: false });
    expect(await h.caller.keys.capabilities({ exchange: "okx" })).toMatchObject({ testnet: true, passphrase: true });
    expect(await h.caller.keys.capabilities({ exchange: "kraken" })).toMatchObject({ testnet: false, passphrase: false });
    const k = testnet.keys.trade!;
    expect(await userErrorOf(h.caller.keys.add({ exchange: "kraken", testnet: true, apiKey: k.apiKey, secret: k.secret }))).toMatchObject({ kind: "input", issues: [{ path: "testnet" }] });
  });

  it("refuse real credentials as a testnet key (checked on the testnet), storing nothing", async () => {
    const real = h.fake.keys.trade!;
    const before = (await h.caller.keys.list()).length;
    expect(await userErrorOf(h.caller.keys.add({ exchange: "binance", testnet: true, apiKey: real.apiKey, secret: real.secret }))).toMatchObject({ kind: "key", reason: "bad-key" });
    expect((await h.caller.keys.list()).length).toBe(before);
    expect(signedBy(h.fake, real.apiKey)).toEqual([]);
  });

  it("probe, trade and show testnet only on the test environment; a live bot's orders never reach the real exchange", async () => {
    const k = testnet.keys.trade!;
    const key = await h.caller.keys.add({ exchange: "binance", testnet: true, apiKey: k.apiKey, secret: k.secret });
    // Binance's spot testnet has no permission endpoint: a signed read; a testnet key holds no real money, so no confirmation.
    expect(key).toMatchObject({ testnet: true, liveAllowed: true, needsWithdrawConfirmation: false, permissions: { method: "signed-read", canWithdraw: "unknown" } });
    expect(key.label).toMatch(/testnet/);

    const bot = await h.caller.bots.deploy({ flow: smaFlow(5, 13), mode: "live", keyId: key.id, confirmLive: true, name: "testnet bot" });
    expect(bot.testnet).toBe(true);
    expect(h.services.db.bots.recentEvents(bot.id, 10).map((e) => e.message).join(" ")).toMatch(/Deployed LIVE on the exchange's TESTNET \(play money\)/);
    while (testnet.engine.closed < 160) {
      await until(() => h.services.db.bots.get(bot.id)?.lastBarTime === lastClosedTime(testnet), 10_000, "the bot to process the testnet's latest candle");
      testnet.advance();
    }
    await until(() => testnet.stats.count({ method: "POST", path: "/api/v3/order" }) >= 2, 10_000, "orders at the testnet");
    expect(signedBy(testnet, k.apiKey).length).toBeGreaterThan(0);
    expect(h.fake.stats.count({ method: "POST", path: "/api/v3/order" })).toBe(0);
    expect(signedBy(h.fake, k.apiKey)).toEqual([]);
    await h.caller.bots.stop({ id: bot.id });
  });

  it("cannot be rotated to credentials of the real exchange", async () => {
    const k = testnet.keys.noIpWhitelist!;
    const key = await h.caller.keys.add({ exchange: "binance", testnet: true, apiKey: k.apiKey, secret: k.secret, label: "rotate me" });
    const real = h.fake.keys.trade!;
    expect(await userErrorOf(h.caller.keys.rotate({ id: key.id, apiKey: real.apiKey, secret: real.secret }))).toMatchObject({ kind: "key", reason: "bad-key" });
    expect((await h.caller.keys.get({ id: key.id })).testnet).toBe(true);
  });
});
