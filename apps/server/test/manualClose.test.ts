// Closing a live bot's position by hand, and the kill switch with close: the exchange ends with no
// base left for the bot, the sells are journalled like any order, and the answer says what was done.
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { MANUAL_CLOSE } from "../src/bots/liveTrader";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function holdingBot(hh: Harness, keyId: string, name: string): Promise<string> {
  const bot = await hh.caller.bots.deploy({ flow: smaFlow(2, 5, { initialCash: 5_000 }), mode: "live", keyId, confirmLive: true, warmupBars: 30, name, risk: { maxOrderValue: 5_000 } });
  return bot.id;
}

/** Closes candles until every bot holds a position with nothing open. */
async function untilHolding(hh: Harness, ids: string[]): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const holding = ids.every((id) => hh.services.db.bots.get(id)!.book.qty > 0 && hh.services.db.bots.activeOrders(id).length === 0);
    if (holding) return;
    hh.fake.advance();
    for (const id of ids) await caughtUp(hh, id);
  }
  throw new Error("the bots never held a position together");
}

const setup = async () => {
  const hh = (h = await harness({ fake: { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 3, 1), count: 2000, seed: 41 }) }, closedAtStart: 60, balances: { USDT: 1_000_000, BTC: 0 }, feeRate: 0.001 } }));
  const k = hh.fake.keys.trade!;
  const key = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  return { hh, keyId: key.id };
};

describe("manual control of live bots", () => {
  it("close now sells the bot's own quantity, journalled, and the bot keeps running flat", async () => {
    const { hh, keyId } = await setup();
    const id = await holdingBot(hh, keyId, "A");
    await untilHolding(hh, [id]);
    await hh.caller.bots.close({ id });
    const sell = await until(() => hh.services.db.bots.allOrders(id).find((o) => o.intent.startsWith(`${MANUAL_CLOSE}-`) && o.exchangeOrderId !== null), 10_000, "the close order");
    expect(sell.side).toBe("sell");
    hh.fake.advance();
    await until(() => hh.services.db.bots.get(id)!.book.qty <= hh.services.db.bots.get(id)!.book.dust && hh.services.db.bots.activeOrders(id).length === 0, 10_000, "flat");
    expect(hh.services.db.bots.get(id)!.status).toBe("running");
    expect(hh.services.db.bots.get(id)!.closeRequestedAt).toBeNull();
    const btc = hh.fake.engine.balance("BTC");
    expect(btc.free + btc.locked).toBeLessThan(hh.services.db.bots.get(id)!.book.dust);
    expect(await userErrorOf(hh.caller.bots.close({ id }))).toMatchObject({ kind: "conflict", message: expect.stringMatching(/holds no position/) });
  });

  it("the kill switch with close sells every live position first and says so; without close it says what stays open", async () => {
    const { hh, keyId } = await setup();
    const a = await holdingBot(hh, keyId, "A");
    const b = await holdingBot(hh, keyId, "B");
    await untilHolding(hh, [a, b]);
    const killing = hh.caller.bots.stopAll({ close: true });
    let done = false;
    void killing.finally(() => (done = true));
    // The fake fills market orders as candles close.
    while (!done) {
      await new Promise((r) => setTimeout(r, 50));
      if (hh.services.db.bots.allOrders(a).concat(hh.services.db.bots.allOrders(b)).some((o) => o.intent.startsWith(`${MANUAL_CLOSE}-`) && o.status === "open")) hh.fake.advance();
    }
    const r = await killing;
    expect(r).toMatchObject({ stopped: 2, closedPositions: 2, openPositions: [], errors: [] });
    for (const id of [a, b]) expect(hh.services.db.bots.get(id)!.status).toBe("stopped");
    const btc = hh.fake.engine.balance("BTC");
    expect(btc.free + btc.locked).toBeLessThan(0.001);

    // Without close, the answer names what is still held.
    const c = await holdingBot(hh, keyId, "C");
    await untilHolding(hh, [c]);
    const plain = await hh.caller.bots.stopAll();
    expect(plain.closedPositions).toBe(0);
    expect(plain.openPositions).toEqual([expect.stringMatching(/^C: [\d.]+ BTC still held \(the kill switch without close leaves positions open\)/)]);
  });
});
