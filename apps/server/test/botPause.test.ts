// Pause is not stop: a paused bot sends nothing but its stop keeps resting on the exchange, and it
// catches up when resumed. A stopped bot can be deleted, its journal exported as CSV first.
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const START = Date.UTC(2024, 9, 1);
const fakeOpts = () => ({
  candles: { BTCUSDT: makeCandles({ start: START, count: 800, seed: 51 }), ETHUSDT: makeCandles({ start: START, count: 800, seed: 52, startPrice: 2000 }) },
  closedAtStart: 60,
  balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
  feeRate: 0.001,
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function liveBot(hh: Harness, flow = smaFlow(3, 8, { stopLossPct: 1 })) {
  const k = hh.fake.keys.trade!;
  const key = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  return hh.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
}

describe("pause and resume", () => {
  it("a paused bot sends no order, its resting stop stays on the exchange, and it catches up when resumed", async () => {
    const hh = (h = await harness({ fake: fakeOpts() }));
    const bot = await liveBot(hh);
    const resting = () => hh.fake.engine.openOrders("BTCUSDT").filter((o) => o.type === "STOP_LOSS");
    await caughtUp(hh, bot.id);
    for (let i = 0; i < 300 && resting().length === 0; i++) {
      hh.fake.advance();
      await caughtUp(hh, bot.id);
    }
    const stop = resting()[0]!;
    expect(stop).toBeDefined();

    const paused = await hh.caller.bots.pause({ id: bot.id });
    expect(paused).toMatchObject({ status: "paused", state: "paused" });
    expect(paused.stateReason).toMatch(/its working orders \(a stop on the exchange\) stay/);
    const orders = hh.fake.engine.orders.length;
    // No process runs the bot any more (its runner ended and let go of the lease; adoption skips a
    // paused bot): the candles that close now are not acted on.
    await until(() => hh.services.db.bots.get(bot.id)!.lease === null, 5000, "the runner to let go of the paused bot");
    hh.fake.advance(5);
    expect(hh.fake.engine.orders.length).toBe(orders);
    expect(stop.status === "NEW" || stop.status === "FILLED").toBe(true);
    expect(hh.services.db.bots.get(bot.id)!.lastBarTime).toBeLessThan(hh.fake.engine.closedCandles("BTCUSDT").at(-1)![0]);
    // A paused bot cannot be paused again or deleted.
    expect(await userErrorOf(hh.caller.bots.pause({ id: bot.id }))).toMatchObject({ message: expect.stringMatching(/only a running bot can be paused/) });
    expect(await userErrorOf(hh.caller.bots.delete({ id: bot.id }))).toMatchObject({ message: expect.stringMatching(/stop it first/) });

    await hh.caller.bots.start({ id: bot.id });
    await caughtUp(hh, bot.id);
    await until(() => hh.services.db.bots.get(bot.id)!.status === "running", 5000, "running");
    const log = hh.services.db.bots.recentEvents(bot.id, 500).map((e) => e.message).join("\n");
    expect(log).toMatch(/Paused by hand/);
    expect(log).toMatch(/Resumed: catching up/);
  });
});

describe("delete", () => {
  it("only a stopped bot is deleted, and its journal is exportable as CSV first", async () => {
    const hh = (h = await harness({ fake: fakeOpts() }));
    const bot = await liveBot(hh, smaFlow(2, 5));
    await caughtUp(hh, bot.id);
    for (let i = 0; i < 300 && hh.services.db.bots.fills(bot.id).length < 3; i++) {
      hh.fake.advance();
      await caughtUp(hh, bot.id);
    }
    expect(await userErrorOf(hh.caller.bots.delete({ id: bot.id }))).toMatchObject({ message: expect.stringMatching(/This bot is running: stop it first/) });
    await hh.caller.bots.stop({ id: bot.id });
    await hh.services.bots.settle(bot.id);

    const { fileName, csv } = await hh.caller.bots.journalCsv({ id: bot.id });
    expect(fileName).toMatch(/-journal\.csv$/);
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("created,candle,intent,side,type,amount,price,status,filled,avgPrice,fee,feeCurrency,clientOrderId,exchangeOrderId,message");
    const journal = hh.services.db.bots.allOrders(bot.id);
    expect(lines).toHaveLength(journal.length + 1);
    for (const o of journal) expect(csv).toContain(`,${o.clientOrderId},`);
    expect(lines.filter((l) => l.split(",")[7] === "filled").length).toBe(journal.filter((o) => o.status === "filled").length);

    expect(await hh.caller.bots.delete({ id: bot.id })).toEqual({ deleted: true });
    expect(hh.services.db.bots.get(bot.id)).toBeUndefined();
    expect(hh.services.db.bots.fills(bot.id)).toEqual([]);
    expect(hh.services.db.bots.allOrders(bot.id)).toEqual([]);
    expect((await hh.caller.bots.list()).map((b) => b.id)).not.toContain(bot.id);
  });
});
