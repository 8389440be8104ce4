// Kill switch, risk limits, key rotation under a running bot, live stops and the live event stream.
import { TIMEFRAME_MS } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import type { BotStreamEvent } from "../src/bots/views";
import { caughtUp, expectNoSecrets, harness, leakSites, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 6, 1);
const fakeOpts = (count = 2000, seed = 21) => ({
  candles: { BTCUSDT: makeCandles({ start: START, count, seed }), ETHUSDT: makeCandles({ start: START, count, seed: 22, startPrice: 2000 }) },
  closedAtStart: 10,
  balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
  feeRate: 0.001,
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function liveKey(hh: Harness, name: "trade" | "noIpWhitelist" = "trade") {
  const k = hh.fake.keys[name]!;
  return hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
}

/** Closes candles one at a time (a live bot acts only on the newest) until `done` or maxBars. */
async function stepUntil(hh: Harness, botIds: string[], done: () => boolean, maxBars = 300): Promise<void> {
  for (let i = 0; i < maxBars; i++) {
    if (done()) return;
    hh.fake.advance();
    for (const id of botIds) await caughtUp(hh, id);
  }
  if (!done()) throw new Error("condition not reached");
}

const events = (hh: Harness, id: string) => hh.services.db.bots.recentEvents(id, 1000).map((e) => e.message).join("\n");

describe("kill switch", () => {
  it("stops every bot and cancels every open order on the exchange", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const limitFlow = smaFlow(2, 5, { limit: { offsetPct: 5, validBars: 500 } });
    const a = await h.caller.bots.deploy({ flow: limitFlow, mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, name: "A" });
    const b = await h.caller.bots.deploy({ flow: smaFlow(3, 7, { limit: { offsetPct: 5, validBars: 500 } }), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, name: "B" });
    const p = await h.caller.bots.deploy({ flow: smaFlow(2, 5), warmupBars: 50, name: "paper" });
    const hh = h;
    await stepUntil(h, [a.id, b.id, p.id], () => hh.fake.engine.openOrders("BTCUSDT").length >= 2 && new Set(hh.fake.engine.openOrders("BTCUSDT").map((o) => o.clientOrderId)).size >= 2);
    const open = h.fake.engine.openOrders("BTCUSDT").length;
    const r = await h.caller.bots.stopAll();
    expect(r).toMatchObject({ stopped: 3, cancelledOrders: open, errors: [] });
    expect(h.fake.engine.openOrders(undefined)).toEqual([]);
    for (const bot of await h.caller.bots.list()) {
      expect(bot.status).toBe("stopped");
      expect(events(h, bot.id)).toMatch(/Stopped by the kill switch/);
    }
    expect(h.services.db.bots.activeOrders(a.id)).toEqual([]);
    expect(h.services.db.bots.activeOrders(b.id)).toEqual([]);
    // Stopped means stopped: new candles bring no new orders.
    const orders = h.fake.engine.orders.length;
    h.fake.advance(5);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.fake.engine.orders.length).toBe(orders);
  });
});

describe("risk limits (live)", () => {
  it("refuses an entry above the maximum order value, and logs why", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, risk: { maxOrderValue: 100 } });
    const hh = h;
    await stepUntil(h, [bot.id], () => /Risk limit/.test(events(hh, bot.id)));
    expect(events(h, bot.id)).toMatch(/worth [\d.]+ USDT, above the limit of 100 USDT per order/);
    expect(h.fake.engine.orders).toHaveLength(0);
  });

  it("refuses entries beyond the orders-per-hour limit and positions above the maximum", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, risk: { maxOrdersPerHour: 3 } });
    const hh = h;
    await stepUntil(h, [bot.id], () => /orders were placed in the last hour/.test(events(hh, bot.id)));
    expect(h.fake.engine.orders.length).toBeLessThanOrEqual(4); // 3 + an exit, which is never refused
    const small = await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, risk: { maxPosition: 1000 } });
    await stepUntil(h, [small.id], () => /position would be worth/.test(events(hh, small.id)));
  });

  it("halts entries for the rest of the UTC day when the daily loss limit is reached; exits still run", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50, risk: { maxDailyLoss: 5 } });
    const hh = h;
    await stepUntil(h, [bot.id], () => hh.services.db.bots.get(bot.id)!.status === "halted");
    const halted = await h.caller.bots.get({ id: bot.id });
    expect(halted.haltReason).toMatch(/Daily loss limit reached/);
    const midnight = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
    expect(halted.haltedUntil).toBe(midnight);
    // While halted: no new entry; a position that was open is still closed by its exit signal.
    const entriesBefore = h.fake.engine.orders.filter((o) => o.side === "BUY").length;
    await stepUntil(h, [bot.id], () => (hh.services.db.bots.get(bot.id)!.book.qty < 0.0001 && hh.services.db.bots.activeOrders(bot.id).length === 0));
    h.fake.advance();
    await caughtUp(h, bot.id);
    for (let i = 0; i < 40; i++) {
      h.fake.advance();
      await caughtUp(h, bot.id);
    }
    expect(h.fake.engine.orders.filter((o) => o.side === "BUY").length).toBe(entriesBefore);
    expect(events(h, bot.id)).toMatch(/entry .* was not placed: the bot is halted/);
    expect((await h.caller.bots.get({ id: bot.id })).status).toBe("halted");
  });
});

describe("key rotation under a running bot", () => {
  it("keeps the bot running and signs its next requests with the new key", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
    const hh = h;
    await stepUntil(h, [bot.id], () => hh.fake.engine.orders.length >= 2);
    const next = h.fake.keys.noIpWhitelist!;
    await h.caller.keys.rotate({ id: key.id, apiKey: next.apiKey, secret: next.secret });
    // Requests signed before the switch may still be on the wire for a moment.
    await new Promise((r) => setTimeout(r, 200));
    h.fake.stats.reset();
    const orders = h.fake.engine.orders.length;
    await stepUntil(h, [bot.id], () => hh.fake.engine.orders.length >= orders + 2);
    const signed = h.fake.stats.requests.filter((r) => r.apiKey !== undefined);
    expect(signed.length).toBeGreaterThan(0);
    expect(new Set(signed.map((r) => r.apiKey))).toEqual(new Set([next.apiKey]));
    expect(signed.every((r) => r.outcome === 200)).toBe(true);
    expect((await h.caller.bots.get({ id: bot.id })).status).toBe("running");
    expect(events(h, bot.id)).toMatch(/Now signing with the rotated key/);
    expectNoSecrets(leakSites(h), [h.fake.keys.trade!.secret, h.fake.keys.trade!.apiKey, next.secret, next.apiKey]);
  });
});

describe("live stops", () => {
  it("where the exchange cannot hold stop orders, a stop loss is checked on each closed candle and sells at the next open", async () => {
    h = await harness({ fake: { ...fakeOpts(), stopOrders: false } });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(3, 8, { stopLossPct: 0.2 }), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
    const hh = h;
    const stopped = () => hh.services.bots.get(bot.id).trades.filter((t) => t.exitReason === "stopLoss");
    await stepUntil(h, [bot.id], () => stopped().length >= 2 && hh.services.db.bots.activeOrders(bot.id).length === 0, 600);
    const candles = new Map(h.fake.engine.closedCandles("BTCUSDT").map((c) => [c[0], c]));
    const tf = TIMEFRAME_MS["1m"];
    for (const t of stopped()) {
      const trigger = candles.get(t.exitTime - tf)!;
      expect(trigger[3]).toBeLessThanOrEqual(t.entryPrice * (1 - 0.002));
      expect(t.exitPrice).toBe(candles.get(t.exitTime)![1]);
    }
    expect(h.fake.engine.orders.every((o) => o.type === "MARKET")).toBe(true);
  });

  it("a stop loss rests on the exchange after the entry fills and sells inside the candle that reaches it", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(3, 8, { stopLossPct: 0.2 }), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
    const hh = h;
    const stopped = () => hh.services.bots.get(bot.id).trades.filter((t) => t.exitReason === "stopLoss");
    await stepUntil(h, [bot.id], () => stopped().length >= 2 && hh.services.db.bots.activeOrders(bot.id).length === 0, 600);
    const candles = new Map(h.fake.engine.closedCandles("BTCUSDT").map((c) => [c[0], c]));
    const stops = h.fake.engine.orders.filter((o) => o.type === "STOP_LOSS");
    expect(stops.length).toBeGreaterThanOrEqual(2);
    for (const t of stopped()) {
      // Filled on the candle whose low reached the stop: at the stop price, or at the open when it gapped below.
      const c = candles.get(t.exitTime)!;
      const stop = Math.round(t.entryPrice * (1 - 0.002) * 100) / 100;
      expect(c[3]).toBeLessThanOrEqual(stop);
      expect(t.exitPrice).toBeCloseTo(Math.min(c[1], stop), 1);
    }
    // Each position had its stop on the exchange; the bot journalled them under resting intents.
    const journal = h.services.db.bots.allOrders(bot.id).filter((o) => o.intent.startsWith("rest-stopLoss-"));
    expect(journal.filter((o) => o.status === "filled").length).toBe(stopped().length);
    // A signal exit cancels the position's resting stop: nothing stays working on a flat bot.
    expect(h.fake.engine.openOrders("BTCUSDT")).toEqual([]);
    expect(h.services.db.bots.get(bot.id)!.book.qty).toBeLessThan(0.0001);
  });

  it("on Binance spot the stop loss and the take profit rest as one OCO: one leg executing cancels the other", async () => {
    // Candles on which a resting target and a resting stop both execute within ~20 candles. The bot is
    // stepped one candle at a time (a full cycle of exchange requests each); on seed 21's long rise the
    // first stop a resting leg executed came ~190 candles in, most of the 30 s test timeout under load.
    h = await harness({ fake: fakeOpts(2000, 248) });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(3, 8, { stopLossPct: 0.25, takeProfitPct: 0.25 }), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
    const hh = h;
    // Exits executed by a resting leg (a stop or target reached on the very candle the entry filled on is
    // found by the candle check: the fill is seen only after that candle closed).
    const restFilled = (kind: string) => hh.services.db.bots.allOrders(bot.id).filter((o) => o.status === "filled" && o.intent.startsWith(`rest-${kind}-`));
    const exitsAt = (kind: string) => {
      const times = new Set(hh.services.db.bots.fills(bot.id).filter((f) => restFilled(kind).some((o) => o.clientOrderId === f.clientOrderId)).map((f) => f.barTime));
      return hh.services.bots.get(bot.id).trades.filter((t) => times.has(t.exitTime));
    };
    await stepUntil(h, [bot.id], () => restFilled("takeProfit").length >= 1 && restFilled("stopLoss").length >= 1 && hh.services.db.bots.activeOrders(bot.id).length === 0, 600);
    const lists = new Map<number, typeof h.fake.engine.orders>();
    for (const o of h.fake.engine.orders.filter((o) => o.orderListId >= 0)) lists.set(o.orderListId, [...(lists.get(o.orderListId) ?? []), o]);
    expect(lists.size).toBeGreaterThanOrEqual(2);
    for (const legs of lists.values()) {
      expect(legs.map((o) => o.type).sort()).toEqual(["STOP_LOSS", "TAKE_PROFIT"]);
      // Never both executed: at most one leg filled, the other expired or cancelled with it.
      expect(legs.filter((o) => o.executedQty > 0).length).toBeLessThanOrEqual(1);
    }
    const candles = new Map(h.fake.engine.closedCandles("BTCUSDT").map((c) => [c[0], c]));
    expect(exitsAt("takeProfit").map((t) => t.exitReason)).toEqual(exitsAt("takeProfit").map(() => "takeProfit"));
    for (const t of exitsAt("takeProfit")) {
      const c = candles.get(t.exitTime)!;
      const target = Math.round(t.entryPrice * 1.0025 * 100) / 100;
      expect(c[2]).toBeGreaterThanOrEqual(target);
      expect(t.exitPrice).toBeCloseTo(Math.max(c[1], target), 1);
    }
    // The sibling of each executed leg is closed in the journal too (expired with its list).
    for (const o of [...restFilled("takeProfit"), ...restFilled("stopLoss")]) {
      const n = o.intent.split("-").at(-1);
      const sibling = h.services.db.bots.allOrders(bot.id).find((x) => x.intent.startsWith("rest-") && x.intent.endsWith(`-${n}`) && x.clientOrderId !== o.clientOrderId)!;
      expect(sibling.status).toBe("cancelled");
    }
    expect(h.fake.engine.openOrders("BTCUSDT")).toEqual([]);
  });

  it("a trailing stop on the exchange is moved up as the peak rises and never loosened", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(3, 8, { trailingPct: 0.4 }), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
    const hh = h;
    const moved = () => /the trailing stop moves up/.test(events(hh, bot.id));
    await stepUntil(h, [bot.id], () => moved() && hh.services.bots.get(bot.id).trades.length >= 3, 600);
    const trails = h.fake.engine.orders.filter((o) => o.type === "STOP_LOSS");
    // Per position (one entry order each), the stop prices only go up.
    const entries = h.fake.engine.orders.filter((o) => o.side === "BUY");
    let raised = 0;
    for (let i = 0; i < entries.length; i++) {
      const from = entries[i]!.orderId;
      const to = entries[i + 1]?.orderId ?? Infinity;
      const prices = trails.filter((o) => o.orderId > from && o.orderId < to).map((o) => o.stopPrice);
      for (let k = 1; k < prices.length; k++) {
        expect(prices[k]!).toBeGreaterThan(prices[k - 1]!);
        raised++;
      }
      // At most one stop of a position works at a time.
      expect(trails.filter((o) => o.orderId > from && o.orderId < to && o.status !== "CANCELED").length).toBeLessThanOrEqual(1);
    }
    expect(raised).toBeGreaterThan(0);
  });
});

describe("bots.events (SSE)", () => {
  it("streams the bot, its log, orders and fills as they happen", async () => {
    h = await harness({ fake: fakeOpts() });
    const key = await liveKey(h);
    const bot = await h.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
    await caughtUp(h, bot.id);
    const ac = new AbortController();
    const seen: BotStreamEvent[] = [];
    const stream = (async () => {
      const it = await h!.services.bots.events(bot.id, ac.signal);
      for await (const e of it) seen.push(e);
    })();
    const hh = h;
    await stepUntil(h, [bot.id], () => seen.some((e) => e.type === "fill") && seen.some((e) => e.type === "order" && e.order.status === "filled"));
    await until(() => seen.filter((e) => e.type === "bot").length > 1, 3000, "a bot update");
    ac.abort();
    await stream;
    expect(seen[0]).toMatchObject({ type: "bot", bot: { id: bot.id, mode: "live", status: "running" } });
    const types = new Set(seen.map((e) => e.type));
    expect([...types].sort()).toEqual(["bot", "fill", "log", "order"]);
    const last = seen.filter((e): e is Extract<BotStreamEvent, { type: "bot" }> => e.type === "bot").at(-1)!;
    expect(last.bot.lastBarTime).toBeGreaterThan(bot.lastBarTime ?? 0);
    expect(last.bot.position.qty).toBeCloseTo(hh.services.db.bots.get(bot.id)!.book.qty, 8);
  });
});

describe("stop and start", () => {
  it("a bot started again while its runner is still stopping resumes (replays its state) instead of staying idle", async () => {
    h = await harness({ fake: fakeOpts() });
    const bot = await h.caller.bots.deploy({ flow: smaFlow(2, 5), warmupBars: 50 });
    await caughtUp(h, bot.id);
    h.fake.advance(5);
    await caughtUp(h, bot.id);
    const stopping = h.caller.bots.stop({ id: bot.id });
    await until(() => h!.services.db.bots.get(bot.id)!.status === "stopped", 2000, "stopped");
    await h.caller.bots.start({ id: bot.id });
    await stopping;
    await until(() => /Resumed: indicators rebuilt/.test(events(h!, bot.id)), 5000, "the bot to resume");
    h.fake.advance();
    await caughtUp(h, bot.id);
    expect((await h.caller.bots.get({ id: bot.id })).status).toBe("running");
  });
});
