// The drift report replays the candles a bot received through the backtest engine and compares them
// with what the bot did: a paper bot shows no drift at all; a live bot on the fake exchange shows the
// fake's spread on its prices and nothing else.
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 8, 1);
const fakeOpts = (spreadBps = 0) => ({
  candles: { BTCUSDT: makeCandles({ start: START, count: 600, seed: 41 }), ETHUSDT: makeCandles({ start: START, count: 600, seed: 42, startPrice: 2000 }) },
  closedAtStart: 60,
  balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
  feeRate: 0.001,
  spreadBps,
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function run(hh: Harness, botId: string, candles: number): Promise<void> {
  await caughtUp(hh, botId);
  for (let i = 0; i < candles; i++) {
    hh.fake.advance();
    await caughtUp(hh, botId);
  }
  // The fake fills a market order when the next candle opens; the bot sees that fill at its next
  // poll. Wait until every order from before the last candle is done in the bot's journal.
  const last = hh.services.db.bots.get(botId)!.lastBarTime;
  await until(() => hh.services.db.bots.activeOrders(botId).every((o) => o.status === "pending" || o.barTime === last), 10_000, "the fills of the orders sent before the last candle");
}

describe("drift report", () => {
  it("a paper bot shows zero drift: every backtest fill, at the same price and fee", async () => {
    const hh = (h = await harness({ fake: fakeOpts() }));
    const bot = await hh.caller.bots.deploy({ flow: smaFlow(2, 5), warmupBars: 50 });
    await run(hh, bot.id, 60);
    const r = await hh.caller.bots.drift({ id: bot.id });
    expect(r.signals.backtest).toBeGreaterThan(6);
    expect(r.signals).toMatchObject({ bot: r.signals.backtest, matched: r.signals.backtest, agreement: 1, exitDowntime: 0 });
    expect(r.slippageBps).toEqual({ mean: 0, max: 0 });
    expect(r.feeBps).toEqual({ mean: 0 });
    expect(r.candles).toEqual({ received: 60, late: 0, gaps: 0 });
    expect(r.rows.every((x) => x.backtest && x.bot && x.backtest.price === x.bot.price)).toBe(true);
  });

  it("a live bot on the fake exchange shows the fake's spread and nothing else", async () => {
    const hh = (h = await harness({ fake: fakeOpts(10) }));
    const k = hh.fake.keys.trade!;
    const key = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
    const bot = await hh.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
    await run(hh, bot.id, 60);
    const r = await hh.caller.bots.drift({ id: bot.id });
    expect(r.signals.backtest).toBeGreaterThan(6);
    expect(r.signals).toMatchObject({ bot: r.signals.backtest, matched: r.signals.backtest, agreement: 1 });
    // Half the 10 bps spread on every fill (prices are rounded to the 0.01 tick: < 0.01 bps at 30,000).
    for (const x of r.rows) expect(Math.abs(x.slippageBps! - 5)).toBeLessThan(0.01);
    // Binance's fee (in BTC on buys, USDT on sells) is the flow's model.
    for (const x of r.rows) expect(Math.abs(x.feeBps!)).toBeLessThan(0.01);
    expect(r.candles).toEqual({ received: 60, late: 0, gaps: 0 });
  });
});
