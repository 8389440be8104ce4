// What a live bot does about the candles that closed while it was down: the flow is followed over
// them, and where it got out the bot gets out at once (or holds, if set); a missed entry is skipped
// unless the bot is set to enter late.
import { compile, EXIT, FLAT, LONG, Strategy, TIMEFRAME_MS } from "@keyflow/core";
import type { AfterDowntime } from "@keyflow/db";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles, type Candle } from "../../../test/fake-exchange/index";
import { DOWNTIME_EXIT } from "../src/bots/liveTrader";
import { BotManager } from "../src/bots/manager";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 5, 1);
const TF = TIMEFRAME_MS["1m"];
const CANDLES = makeCandles({ start: START, count: 1500, seed: 31 });
const FLOW = smaFlow(3, 8);

/** The flow's own signals on every candle (independent of any bot): exit while long, entry while flat. */
function signals(candles: Candle[]): Map<number, { exit: boolean; entry: boolean }> {
  const c = compile(FLOW);
  if (!c.ok) throw new Error("flow does not compile");
  const s = new Strategy(c.spec);
  const out = new Map<number, { exit: boolean; entry: boolean }>();
  for (const [t, o, h, l, cl, v] of candles) {
    s.update(t, o, h, l, cl, v);
    out.set(t, { exit: s.decide(LONG) === EXIT, entry: s.decide(FLAT) >= 0 });
  }
  return out;
}
const SIGNALS = signals(CANDLES);

let h: Harness | undefined;
let manager: BotManager | undefined;
afterEach(async () => {
  await manager?.shutdown();
  manager = undefined;
  await h?.close();
  h = undefined;
});

const lastClosed = (hh: Harness) => hh.fake.engine.closedCandles("BTCUSDT").at(-1)![0];
const events = (hh: Harness, id: string) => hh.services.db.bots.recentEvents(id, 1000).map((e) => e.message).join("\n");

/** Deploys a live bot and closes candles one at a time until `holding` says it is in (or out of) a position. */
async function liveBot(afterDowntime: Partial<AfterDowntime>, wantLong: boolean): Promise<{ hh: Harness; botId: string }> {
  const hh = await harness({ fake: { candles: { BTCUSDT: CANDLES }, closedAtStart: 10, balances: { USDT: 1_000_000, BTC: 0 }, feeRate: 0.001 } });
  h = hh;
  const k = hh.fake.keys.trade!;
  const key = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  const bot = await hh.caller.bots.deploy({ flow: FLOW, mode: "live", keyId: key.id, confirmLive: true, warmupBars: 30, afterDowntime });
  await caughtUp(hh, bot.id);
  for (let i = 0; i < 400; i++) {
    const b = hh.services.db.bots.get(bot.id)!;
    const long = b.book.qty > 0 && hh.services.db.bots.activeOrders(bot.id).length === 0;
    const flat = b.book.qty === 0 && hh.services.db.bots.activeOrders(bot.id).length === 0;
    // Down right after a quiet candle: the next one must not carry the signal we are about to miss.
    const next = SIGNALS.get(lastClosed(hh) + TF)!;
    if ((wantLong ? long && !next.exit : flat && !next.entry) && i > 0) return { hh, botId: bot.id };
    hh.fake.advance();
    await caughtUp(hh, bot.id);
  }
  throw new Error("the bot never reached the wanted position");
}

/** Shuts the bot's process down, closes candles until `until` says stop, and starts a new manager on the same database. */
async function downtime(hh: Harness, botId: string, stop: (t: number) => boolean): Promise<{ missedAt: number; restartAt: number }> {
  await hh.services.bots.shutdown();
  const downFrom = lastClosed(hh);
  let missedAt = -1;
  for (let i = 0; i < 200; i++) {
    hh.fake.advance();
    const t = lastClosed(hh);
    if (missedAt < 0 && stop(t)) missedAt = t;
    // One more quiet candle after the missed one, so that it is caught up, not acted on live.
    if (missedAt >= 0 && t > missedAt && !SIGNALS.get(t)!.exit && !SIGNALS.get(t)!.entry) {
      manager = new BotManager(hh.services.db, hh.services.keys, { exchange: hh.services.config.exchange!, settings: hh.services.config.bots!, log: (l) => hh.logs.push(l) });
      await until(() => hh.services.db.bots.get(botId)?.lastBarTime === t, 15_000, "the restarted bot to catch up");
      expect(t - downFrom).toBeGreaterThan(TF);
      return { missedAt, restartAt: t };
    }
    if (missedAt >= 0 && t > missedAt) missedAt = -1; // the flow changed its mind again while down: try a later signal
  }
  throw new Error("no suitable missed signal");
}

describe("after downtime (live)", () => {
  it("exits at once when the flow's sell signal came while the bot was down", async () => {
    const { hh, botId } = await liveBot({}, true);
    const qty = hh.services.db.bots.get(botId)!.book.qty;
    expect(qty).toBeGreaterThan(0);
    const { missedAt, restartAt } = await downtime(hh, botId, (t) => SIGNALS.get(t)!.exit);
    await until(() => hh.services.db.bots.allOrders(botId).some((o) => o.side === "sell" && o.barTime === restartAt && o.exchangeOrderId !== null), 15_000, `the exit order; events:\n${events(hh, botId)}`);
    // The market order fills at the next candle's open, like every market order of the bot.
    hh.fake.advance();
    // Flat: what is left is below the market's smallest amount (dust).
    await until(() => hh.services.db.bots.activeOrders(botId).length === 0 && hh.services.db.bots.get(botId)!.book.qty < hh.services.db.bots.get(botId)!.book.dust, 15_000, "the position to be closed");
    const sells = hh.services.db.bots.allOrders(botId).filter((o) => o.side === "sell" && o.barTime === restartAt);
    expect(sells.map((o) => o.intent)).toEqual([DOWNTIME_EXIT]);
    expect(hh.fake.engine.orders.filter((o) => o.side === "SELL").at(-1)?.clientOrderId).toBe(sells[0]!.clientOrderId);
    const log = events(hh, botId);
    expect(log).toContain(`exit after downtime: the sell signal of the ${new Date(missedAt).toISOString().slice(0, 16).replace("T", " ")} candle came while the bot was not running`);
    expect(log).not.toMatch(/Skipped the signal/);
  });

  it("holds instead when the bot is set to, and says so", async () => {
    const { hh, botId } = await liveBot({ exits: "hold" }, true);
    const qty = hh.services.db.bots.get(botId)!.book.qty;
    const { restartAt } = await downtime(hh, botId, (t) => SIGNALS.get(t)!.exit);
    await until(() => /Holding the position although/.test(events(hh, botId)), 15_000, "the hold warning");
    expect(hh.services.db.bots.allOrders(botId).filter((o) => o.side === "sell" && o.barTime >= restartAt - TF)).toEqual([]);
    expect(hh.services.db.bots.get(botId)!.book.qty).toBe(qty);
  });

  it("skips an entry missed while down by default", async () => {
    const { hh, botId } = await liveBot({}, false);
    const before = hh.services.db.bots.allOrders(botId).length;
    const { restartAt } = await downtime(hh, botId, (t) => SIGNALS.get(t)!.entry);
    await caughtUp(hh, botId);
    expect(hh.services.db.bots.allOrders(botId).length).toBe(before);
    expect(hh.services.db.bots.get(botId)!.book.qty).toBe(0);
    expect(events(hh, botId)).toMatch(/Missed the buy signal/);
    expect(hh.services.db.bots.get(botId)!.lastBarTime).toBe(restartAt);
  });

  it("enters late when the bot is set to", async () => {
    const { hh, botId } = await liveBot({ entries: "enter" }, false);
    const { restartAt } = await downtime(hh, botId, (t) => SIGNALS.get(t)!.entry);
    const buy = await until(() => hh.services.db.bots.allOrders(botId).find((o) => o.side === "buy" && o.barTime === restartAt), 15_000, "the late entry");
    expect(buy.intent).toBe("entry");
    expect(events(hh, botId)).toMatch(/Entering after downtime: the buy signal of the .* candle came while the bot was not running/);
  });
});

describe("reconciling the position with the exchange on restart", () => {
  async function restartWithBalance(btc: (qty: number) => number): Promise<{ hh: Harness; botId: string; qty: number }> {
    const { hh, botId } = await liveBot({}, true);
    await hh.services.bots.shutdown();
    const qty = hh.services.db.bots.get(botId)!.book.qty;
    hh.fake.setBalance("BTC", btc(qty));
    manager = new BotManager(hh.services.db, hh.services.keys, { exchange: hh.services.config.exchange!, settings: hh.services.config.bots! });
    return { hh, botId, qty };
  }

  it("checks a difference twice and, when coins are missing, halts with the numbers in plain words", async () => {
    const { hh, botId } = await restartWithBalance((q) => q / 2);
    const bot = await until(() => (hh.services.db.bots.get(botId)!.status === "halted" ? hh.services.db.bots.get(botId)! : null), 15_000, "the halt");
    expect(bot.haltReason).toMatch(/The exchange holds [\d.]+ BTC but this bot's fills add up to [\d.]+ BTC \([\d.]+ BTC missing, checked twice\)/);
    const log = events(hh, botId);
    expect(log).toMatch(/differs from this bot's position from its fills .* checking again once its open orders settle/);
    expect(log).toMatch(/Checked again: exchange balance/);
  });

  it("says when the account simply holds more than the bot (other holdings), and keeps running", async () => {
    const { hh, botId, qty } = await restartWithBalance((q) => q + 1);
    await until(() => /holds 1 BTC more than this bot's position/.test(events(hh, botId)), 15_000, "the note about other holdings");
    expect(hh.services.db.bots.get(botId)!.status).toBe("running");
    expect(hh.services.db.bots.get(botId)!.book.qty).toBe(qty);
  });
});
