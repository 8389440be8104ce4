// A live bot over several markets (a flow with a portfolio) on the loopback fake Binance: it trades
// what the paper group trades on the same candles, takes its slots by the portfolio's rule, survives a
// restart per market, halts as one bot and is stopped as one bot by the kill switch.
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles, type Candle } from "../../../test/fake-exchange/index";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 0, 1);
const SYMBOLS = ["BTC/USDT", "ETH/USDT"] as const;
const ASSET = { "BTC/USDT": "BTC", "ETH/USDT": "ETH" } as const;
const STEP = { "BTC/USDT": 0.00001, "ETH/USDT": 0.0001 } as const;

/** Two markets that wander apart. */
const apart = (count: number) => ({ BTCUSDT: makeCandles({ start: START, count, seed: 7 }), ETHUSDT: makeCandles({ start: START, count, seed: 8, startPrice: 2000 }) });
/** Two markets whose candles move alike (ETH a tenth of BTC): the flow signals on both at the same candles. */
const alike = (count: number) => {
  const btc = makeCandles({ start: START, count, seed: 7 });
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { BTCUSDT: btc, ETHUSDT: btc.map(([t, o, hi, lo, c, v]): Candle => [t, r2(o / 10), r2(hi / 10), r2(lo / 10), r2(c / 10), v]) };
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function groupFlow(maxOpenPositions: number, opts: Parameters<typeof smaFlow>[2] = {}) {
  return { ...smaFlow(5, 13, opts), portfolio: { symbols: [...SYMBOLS], maxOpenPositions, budgetPerPosition: 6000 } };
}

/** `KEYFLOW_STREAMS=off` runs these tests polling only (the default: the flow's market on the fake's websocket). */
const streams = process.env.KEYFLOW_STREAMS?.trim() !== "off";

async function liveHarness(candles: Record<string, Candle[]>) {
  const hh = await harness({ fake: { candles, closedAtStart: 5, balances: { USDT: 1_000_000, BTC: 0, ETH: 0 }, feeRate: 0.001 }, bots: { streams } });
  const key = await hh.caller.keys.add({ exchange: "binance", apiKey: hh.fake.keys.trade!.apiKey, secret: hh.fake.keys.trade!.secret });
  return { hh, key };
}

/** The same group deployed in paper and live on one fake. */
async function paperAndLive(candles: Record<string, Candle[]>, flow: ReturnType<typeof groupFlow>) {
  const { hh, key } = await liveHarness(candles);
  h = hh;
  const paper = await hh.caller.bots.deploy({ flow });
  const live = await hh.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true });
  return { hh, paper, live };
}

/** One candle at a time: a live bot acts only on the newest candle. */
async function stepTo(hh: Harness, botIds: string[], upTo: number) {
  for (const id of botIds) await caughtUp(hh, id, 20_000);
  while (hh.fake.engine.closed < upTo) {
    hh.fake.advance();
    for (const id of botIds) await caughtUp(hh, id, 20_000);
  }
}

const tradeKey = (t: { entryTime: number; entryPrice: number; exitTime: number; exitPrice: number; exitReason: string }) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.exitReason];

/** No client order id twice at the exchange; every exchange trade of a market in that market's journal and none invented; each market's position equals the exchange's balance. */
function expectJournalAgreesWithExchange(hh: Harness, botId: string) {
  const db = hh.services.db.bots;
  const ids = hh.fake.engine.orders.map((o) => o.clientOrderId);
  expect(new Set(ids).size).toBe(ids.length);
  const view = hh.services.bots.get(botId);
  for (const symbol of SYMBOLS) {
    const exchangeTrades = hh.fake.engine.trades.filter((t) => t.symbol === symbol.replace("/", "")).map((t) => String(t.id));
    expect(db.fills(botId, symbol).map((f) => f.tradeId).sort()).toEqual(exchangeTrades.sort());
    // Every journal row of the market is an order of that market at the exchange.
    const bySymbol = new Map(hh.fake.engine.orders.map((o) => [o.clientOrderId, o.symbol]));
    for (const o of db.allOrders(botId, symbol)) if (bySymbol.has(o.clientOrderId)) expect(bySymbol.get(o.clientOrderId)).toBe(symbol.replace("/", ""));
    const held = hh.fake.engine.balance(ASSET[symbol]);
    const position = view.markets!.find((m) => m.symbol === symbol)!.position!;
    // Flat below the amount step (dust the exchange rounds away) shows as 0.
    expect(Math.abs(position.qty - (held.free + held.locked))).toBeLessThan(STEP[symbol]);
  }
}

describe("live bot over several markets", () => {
  it("trades what the paper group trades on the same candles (market, candle, prices; quantity within the step), one slot for two markets", async () => {
    const { hh, paper, live } = await paperAndLive(apart(170), groupFlow(1));
    h = hh;
    expect(live).toMatchObject({ mode: "live", status: "running" });
    await stepTo(h, [paper.id, live.id], 170);
    await until(() => h!.services.db.bots.activeOrders(live.id).length === 0, 5000, "orders to settle");
    const want = await h.caller.bots.get({ id: paper.id });
    const got = await h.caller.bots.get({ id: live.id });
    expect(want.markets!.every((m) => m.trades.length >= 2)).toBe(true);
    expect(want.markets!.some((m) => (m.position?.skippedEntries ?? 0) > 0)).toBe(true);
    for (const [i, symbol] of SYMBOLS.entries()) {
      const p = want.markets![i]!;
      const l = got.markets![i]!;
      expect(l.symbol).toBe(symbol);
      expect(l.trades.map(tradeKey)).toEqual(p.trades.map(tradeKey));
      l.trades.forEach((t, k) => expect(Math.abs(t.qty - p.trades[k]!.qty)).toBeLessThanOrEqual(2 * STEP[symbol]));
      expect(l.position?.skippedEntries).toBe(p.position?.skippedEntries);
    }
    // Entries were sized on the stake (6000), not on the whole budget (10 000).
    for (const t of got.trades) expect(t.qty * t.entryPrice).toBeLessThan(6000 * 1.002);
    // Never two positions at once.
    const spans = got.trades.map((t) => [t.entryTime, t.exitTime] as const).sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < spans.length; k++) expect(spans[k]![0]).toBeGreaterThan(spans[k - 1]![1]);
    // Each order names its market in its id: the two markets never share one.
    const orders = h.services.db.bots.allOrders(live.id);
    expect(new Set(orders.map((o) => o.symbol))).toEqual(new Set(SYMBOLS));
    expectJournalAgreesWithExchange(h, live.id);
  }, 120_000);

  it("keeps to max open positions live when both markets signal on the same candle (the first market in the list takes the slot)", async () => {
    const { hh, key } = await liveHarness(alike(120));
    h = hh;
    const bot = await h.caller.bots.deploy({ flow: groupFlow(1), mode: "live", keyId: key.id, confirmLive: true });
    await stepTo(h, [bot.id], 120);
    const got = await h.caller.bots.get({ id: bot.id });
    const [btc, eth] = got.markets!;
    expect(btc!.trades.length).toBeGreaterThanOrEqual(2);
    // ETH signals on every candle BTC does: each of its entries is skipped, none is ever sent.
    expect(eth!.trades).toEqual([]);
    expect(eth!.position?.skippedEntries).toBe(h.services.db.bots.allOrders(bot.id, "BTC/USDT").filter((o) => o.intent === "entry").length);
    expect(h.services.db.bots.allOrders(bot.id, "ETH/USDT")).toEqual([]);
    expect(h.fake.engine.orders.filter((o) => o.symbol === "ETHUSDT")).toEqual([]);
    expect(got.events.map((e) => e.message)).toContainEqual(expect.stringMatching(/^ETH\/USDT: entry signal on the .* candle skipped: no free slot \(1 of 1 open\)\.$/));
  }, 90_000);

  it("resumes after its runner is killed mid-run without a duplicate order or a lost fill in any market", async () => {
    const { hh, paper, live: bot } = await paperAndLive(apart(150), groupFlow(2));
    h = hh;
    // Stop while a position is open (its orders are working or just filled).
    await stepTo(h, [paper.id, bot.id], 20);
    while (h.services.bots.get(bot.id).markets!.every((m) => !m.position || m.position.qty === 0)) await stepTo(h, [paper.id, bot.id], h.fake.engine.closed + 1);
    await h.services.bots.shutdown();
    const { BotManager } = await import("../src/bots/manager");
    // The next process loses the answer of its first order (sent, not confirmed): it must find it by its id.
    let lost = 0;
    const manager = new BotManager(h.services.db, h.services.keys, {
      exchange: h.services.config.exchange!,
      settings: h.services.config.bots!,
      crash: (point) => {
        if (point === "after-send" && lost++ === 0) throw new Error("socket hang up (test)");
      },
    });
    try {
      h.fake.advance(3);
      await stepTo(h, [paper.id, bot.id], 150);
      await until(() => h!.services.db.bots.activeOrders(bot.id).length === 0, 5000, "orders to settle");
      expect(lost).toBeGreaterThan(0);
      expectJournalAgreesWithExchange(h, bot.id);
      const got = manager.get(bot.id);
      expect(got.events.map((e) => e.message)).toContainEqual(expect.stringMatching(/^(BTC|ETH)\/USDT: Reconciled with the exchange/));
      // The candles closed while no process ran are followed, not traded; after them it trades as the paper group.
      const want = manager.get(paper.id);
      for (const [i] of SYMBOLS.entries()) {
        const late = got.markets![i]!.trades.filter((t) => t.entryTime > h!.fake.engine.closedCandles("BTCUSDT").at(-100)![0]);
        const expected = want.markets![i]!.trades.filter((t) => t.entryTime > h!.fake.engine.closedCandles("BTCUSDT").at(-100)![0]);
        expect(late.map(tradeKey)).toEqual(expected.map(tradeKey));
      }
    } finally {
      await manager.shutdown();
    }
  }, 120_000);

  it("halts every market at the group's daily loss: neither market enters again", async () => {
    const { hh, key } = await liveHarness(alike(150));
    h = hh;
    // A limit the fees of the first positions exceed; both markets enter on the same candle.
    const bot = await h.caller.bots.deploy({ flow: groupFlow(2), mode: "live", keyId: key.id, confirmLive: true, risk: { maxDailyLoss: 0.01 } });
    const refused = (symbol: string) => h!.services.db.bots.eventsAfter(0, bot.id).some((e) => e.message.startsWith(`${symbol}: Risk limit: the entry of the`) && e.message.endsWith("the bot is halted (see its status)."));
    await caughtUp(h, bot.id);
    while (!(refused("BTC/USDT") && refused("ETH/USDT"))) {
      expect(h.fake.engine.closed).toBeLessThan(150);
      await stepTo(h, [bot.id], h.fake.engine.closed + 1);
    }
    const b = h.services.db.bots.get(bot.id)!;
    expect(b.status).toBe("halted");
    expect(b.haltReason).toMatch(/^Daily loss limit reached: .* \(over all 2 markets\)$/);
    expect(b.haltedUntil).toBeGreaterThan(Date.now());
    // One entry each, then exits only (they still run while halted).
    for (const symbol of SYMBOLS) {
      const orders = h.services.db.bots.allOrders(bot.id, symbol);
      expect(orders.filter((o) => o.side === "buy").map((o) => o.intent)).toEqual(["entry"]);
      expect(orders.some((o) => o.side === "sell" && o.status === "filled")).toBe(true);
    }
    expectJournalAgreesWithExchange(h, bot.id);
  }, 90_000);

  it("is stopped as one bot by the kill switch: every market's working orders are cancelled", async () => {
    const { hh, key } = await liveHarness(alike(150));
    h = hh;
    // Both markets enter together; each position's stop rests on the exchange.
    const bot = await h.caller.bots.deploy({ flow: groupFlow(2, { stopLossPct: 5 }), mode: "live", keyId: key.id, confirmLive: true });
    const working = (o: { status: string }) => o.status === "NEW" || o.status === "PARTIALLY_FILLED";
    await caughtUp(h, bot.id);
    while (["BTCUSDT", "ETHUSDT"].some((s) => !h!.fake.engine.orders.some((o) => o.symbol === s && o.type === "STOP_LOSS" && working(o)))) {
      expect(h.fake.engine.closed).toBeLessThan(150);
      await stepTo(h, [bot.id], h.fake.engine.closed + 1);
    }
    const result = await h.caller.bots.stopAll();
    expect(result).toMatchObject({ stopped: 1, errors: [] });
    expect(result.cancelledOrders).toBe(2);
    expect(h.fake.engine.orders.filter(working)).toEqual([]);
    expect(h.services.db.bots.activeOrders(bot.id)).toEqual([]);
    expect(result.openPositions).toEqual([expect.stringMatching(/BTC still held/), expect.stringMatching(/ETH still held/)]);
  }, 90_000);
});
