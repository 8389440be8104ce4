import { backtest, compile } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, harness, smaFlow, until, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const START = Date.UTC(2024, 0, 1);
const candles = (count: number, seed = 7) => ({ BTCUSDT: makeCandles({ start: START, count, seed }), ETHUSDT: makeCandles({ start: START, count, seed: seed + 1, startPrice: 2000 }) });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** smaFlow with a part of the cash per entry, two safety orders and a take-profit in two steps. */
function scaledFlow() {
  const flow = smaFlow(5, 13);
  for (const n of flow.nodes) if (n.id === "buy") n.params = { sizeMode: "quote", size: 3000 };
  const risk = [
    { id: "so", kind: "safetyOrders", params: { count: 2, stepPct: 0.2, sizeMode: "quote", size: 3000, scale: 1 } },
    { id: "tp1", kind: "partialTakeProfit", params: { pct: 0.2, sellPct: 50 } },
    { id: "tp", kind: "takeProfit", params: { pct: 0.4 } },
  ];
  for (const r of risk) {
    flow.nodes.push({ ...r, position: { x: 0, y: 0 } });
    flow.edges.push({ id: `e-${r.id}`, source: "buy", sourceHandle: "order", target: r.id, targetHandle: "order" });
  }
  return flow;
}

function backtestOf(flow: ReturnType<typeof smaFlow>, hh: Harness) {
  const c = compile(flow);
  if (!c.ok) throw new Error("flow does not compile");
  return backtest(c.spec, closedCandles(hh.fake), flow.settings);
}

/** Candles close in bursts of random size up to `most` (as after pauses) until `upTo` are closed; the bot catches up after each. */
async function inBursts(hh: Harness, botId: string, upTo: number, seed: number, most: number) {
  await caughtUp(hh, botId);
  while (hh.fake.engine.closed < upTo) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    hh.fake.advance(Math.min(upTo - hh.fake.engine.closed, 1 + (seed % most)));
    await caughtUp(hh, botId);
  }
}

describe("paper bots", () => {
  it("replaying a candle history through a paper bot gives exactly the backtest's trades", async () => {
    h = await harness({ fake: { candles: candles(400), closedAtStart: 5 } });
    const flow = smaFlow(5, 13);
    const bot = await h.caller.bots.deploy({ flow });
    expect(bot).toMatchObject({ mode: "paper", status: "running" });
    // Candles close in bursts of random size, as after pauses; paper catches up bar by bar.
    await inBursts(h, bot.id, 400, 3, 25);
    const expected = backtestOf(flow, h);
    expect(expected.trades.length).toBeGreaterThan(5);
    const got = await h.caller.bots.get({ id: bot.id });
    expect(got.trades).toEqual(expected.trades);
    expect(got.equity).toBeCloseTo(expected.equity[expected.equity.length - 1]!, 6);
    expect(got.fills.length).toBe(expected.trades.length * 2 + (expected.openPosition ? 1 : 0));
  });

  it("a flow reading a higher timeframe (5m candles in a 1m flow) trades in paper exactly as in the backtest", async () => {
    h = await harness({ fake: { candles: candles(400), closedAtStart: 5 } });
    const flow = smaFlow(5, 4);
    // The slow SMA averages 5m closes, built from the 1m candles and visible once each has closed.
    flow.nodes.push({ id: "close5m", kind: "price", params: { field: "close", timeframe: "5m" }, position: { x: 0, y: 0 } });
    flow.edges = flow.edges.map((e) => (e.target === "slow" ? { ...e, source: "close5m" } : e));
    const bot = await h.caller.bots.deploy({ flow });
    // SMA(4) of 5m closes: 4 × 5 bars, plus a 5m candle for a start inside one; the default (500) covers it.
    expect(bot.warmupBars).toBe(500);
    expect(h.services.db.bots.eventsAfter(0, bot.id).some((e) => e.level === "warn")).toBe(false);
    const short = await h.caller.bots.deploy({ flow, warmupBars: 10, start: false });
    expect(h.services.db.bots.eventsAfter(0, short.id).map((e) => e.message)).toContainEqual(expect.stringMatching(/need 25 candles to warm up, but the bot replays 10/));
    await inBursts(h, bot.id, 400, 5, 17);
    const expected = backtestOf(flow, h);
    const c = compile(flow);
    expect(c.ok && c.spec.timeframe).toBe("1m");
    expect(expected.trades.length).toBeGreaterThan(5);
    expect((await h.caller.bots.get({ id: bot.id })).trades).toEqual(expected.trades);
  });

  it("scaling in and out (safety orders, a take-profit in two steps) trades in paper as in the backtest: a row per exit, average entry price", async () => {
    h = await harness({ fake: { candles: candles(400), closedAtStart: 5 } });
    const flow = scaledFlow();
    const bot = await h.caller.bots.deploy({ flow });
    await inBursts(h, bot.id, 400, 11, 13);
    const expected = backtestOf(flow, h);
    const view = await h.caller.bots.get({ id: bot.id });
    const intents = view.fills.map((f) => h!.services.db.bots.getOrder(f.clientOrderId)?.intent);
    // The candles meet every kind of fill: safety orders and both steps.
    expect(intents).toContain("safety-1");
    expect(intents).toContain("takeProfit-p1");
    expect(expected.trades.some((t, i) => t.entryTime === expected.trades[i + 1]?.entryTime)).toBe(true);
    expect(view.trades.length).toBe(expected.trades.length);
    view.trades.forEach((t, i) => {
      const bt = expected.trades[i]!;
      expect([t.entryTime, t.exitTime, t.exitPrice, t.exitReason, t.pnl]).toEqual([bt.entryTime, bt.exitTime, bt.exitPrice, bt.exitReason, bt.pnl]);
      // The journal sums the fills again: equal up to rounding.
      for (const k of ["entryPrice", "qty", "fees", "returnPct"] as const) expect(t[k]).toBeCloseTo(bt[k], 9);
    });
    expect(view.equity).toBeCloseTo(expected.equity[expected.equity.length - 1]!, 6);
  });

  it("resumes after a restart with the same state (replay, no duplicate journal rows)", async () => {
    h = await harness({ fake: { candles: candles(300), closedAtStart: 5 } });
    const flow = smaFlow(5, 13);
    const bot = await h.caller.bots.deploy({ flow });
    await caughtUp(h, bot.id);
    h.fake.advance(150);
    await caughtUp(h, bot.id);
    await h.services.bots.shutdown();
    const orders = h.services.db.bots.allOrders(bot.id).length;
    // A new process: a fresh manager on the same database resumes the bot.
    const { BotManager } = await import("../src/bots/manager");
    const manager = new BotManager(h.services.db, h.services.keys, { exchange: h.services.config.exchange!, settings: h.services.config.bots! });
    try {
      h.fake.advance(145);
      await caughtUp(h, bot.id);
      expect(h.services.db.bots.allOrders(bot.id).length).toBeGreaterThanOrEqual(orders);
      const expected = backtestOf(flow, h);
      expect(manager.get(bot.id).trades).toEqual(expected.trades);
    } finally {
      await manager.shutdown();
    }
  });
});

describe("deploy", () => {
  it("is paper by default, refuses live without a key, without confirmation, or with a read-only key, and refuses the demo market", async () => {
    h = await harness();
    const flow = smaFlow(5, 13);
    const paper = await h.caller.bots.deploy({ flow, start: false });
    expect(paper.mode).toBe("paper");
    expect(paper.status).toBe("stopped");
    expect(await userErrorOf(h.caller.bots.deploy({ flow, mode: "live", confirmLive: true }))).toMatchObject({ kind: "input", issues: [{ path: "keyId" }] });
    const trade = await h.caller.keys.add({ exchange: "binance", apiKey: h.fake.keys.trade!.apiKey, secret: h.fake.keys.trade!.secret });
    const noConfirm = await userErrorOf(h.caller.bots.deploy({ flow, mode: "live", keyId: trade.id }));
    expect(noConfirm.message).toMatch(/real money/);
    const ro = await h.caller.keys.add({ exchange: "binance", apiKey: h.fake.keys.readOnly!.apiKey, secret: h.fake.keys.readOnly!.secret });
    expect(await userErrorOf(h.caller.bots.deploy({ flow, mode: "live", keyId: ro.id, confirmLive: true }))).toMatchObject({ kind: "key", reason: "permission" });
    const demo = { ...flow, market: { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" as const } };
    expect((await userErrorOf(h.caller.bots.deploy({ flow: demo }))).message).toMatch(/demo market/);
    expect(h.services.db.bots.list()).toHaveLength(1);
  });
});

describe("live bots against the fake exchange", () => {
  async function liveHarness(count: number, extra: Parameters<typeof harness>[0] = {}) {
    const hh = await harness({ fake: { candles: candles(count), closedAtStart: 5, balances: { USDT: 1_000_000, BTC: 0, ETH: 0 }, feeRate: 0.001 }, ...extra });
    const key = await hh.caller.keys.add({ exchange: "binance", apiKey: hh.fake.keys.trade!.apiKey, secret: hh.fake.keys.trade!.secret });
    return { hh, key };
  }

  /** One candle at a time: a live bot acts only on the newest candle. */
  async function stepAll(hh: Harness, botId: string, upTo: number) {
    await caughtUp(hh, botId);
    while (hh.fake.engine.closed < upTo) {
      hh.fake.advance();
      await caughtUp(hh, botId);
    }
  }

  it("trades what the backtest trades: same entry and exit candles and prices, quantity within the exchange's step", async () => {
    const { hh, key } = await liveHarness(160);
    h = hh;
    const flow = smaFlow(5, 13);
    const bot = await h.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true });
    await stepAll(h, bot.id, 160);
    await until(() => h!.services.db.bots.activeOrders(bot.id).length === 0, 5000, "orders to settle");
    const expected = backtestOf(flow, h);
    const got = (await h.caller.bots.get({ id: bot.id })).trades;
    expect(expected.trades.length).toBeGreaterThan(3);
    expect(got.map((t) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.exitReason])).toEqual(expected.trades.map((t) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.exitReason]));
    const step = 0.00001;
    got.forEach((t, i) => {
      const bt = expected.trades[i]!;
      expect(Math.abs(t.qty - bt.qty)).toBeLessThanOrEqual(2 * step);
      // Profit differs only by the rounding of the quantity (the fake takes the buy fee in BTC, the backtest in USDT).
      expect(Math.abs(t.pnl - bt.pnl)).toBeLessThan(bt.qty * bt.exitPrice * 1e-3);
    });
    // The position from fills equals what the exchange holds.
    const view = await h.caller.bots.get({ id: bot.id });
    const btc = h.fake.engine.balance("BTC");
    expect(view.position.qty).toBeCloseTo(btc.free + btc.locked, 8);
  });

  it("scales in and out on the exchange: safety orders below the first fill, a take-profit step selling half as its own trade row", async () => {
    const { hh, key } = await liveHarness(260);
    h = hh;
    const flow = scaledFlow();
    const bot = await h.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true });
    await stepAll(h, bot.id, 260);
    await until(() => h!.services.db.bots.activeOrders(bot.id).length === 0, 5000, "orders to settle");
    const db = h.services.db.bots;
    const orders = new Map(db.allOrders(bot.id).map((o) => [o.clientOrderId, o]));
    const bars = new Map(h.fake.engine.closedCandles("BTCUSDT").map((r) => [r[0], r]));
    // Walk the fills as the bot's position: every safety order and step must have been due on its candle.
    let held = 0;
    let avgCost = 0;
    let first = 0;
    const seen = new Set<string>();
    for (const f of db.fills(bot.id)) {
      const o = orders.get(f.clientOrderId)!;
      const bar = bars.get(o.barTime)!;
      const got = f.amount - (f.side === "buy" && f.feeCurrency === "BTC" ? f.fee : 0);
      if (o.intent.startsWith("safety-")) {
        const k = Number(o.intent.slice(7));
        expect(bar[3]).toBeLessThan(first * (1 - (k * 0.2) / 100));
        seen.add("safety");
      } else if (o.intent.startsWith("takeProfit-p")) {
        expect(bar[2]).toBeGreaterThanOrEqual(avgCost * 1.002 * (1 - 1e-12));
        // Half of what was held, to the exchange's amount step.
        expect(Math.abs(f.amount - held / 2)).toBeLessThanOrEqual(0.00001);
        seen.add("step");
      }
      if (f.side === "buy") {
        if (held < 0.00001) first = f.price; // flat, or dust below the amount step
        avgCost = (held * avgCost + got * f.price) / (held + got);
        held += got;
      } else held -= f.amount;
    }
    expect([...seen].sort()).toEqual(["safety", "step"]);
    // A step is a trade row of its own, its quantity what it sold.
    const view = await h.caller.bots.get({ id: bot.id });
    const stepRows = view.fills.filter((f) => orders.get(f.clientOrderId)!.intent.startsWith("takeProfit-p"));
    for (const f of stepRows) expect(view.trades).toContainEqual(expect.objectContaining({ exitTime: f.barTime, qty: f.amount, exitReason: "takeProfit" }));
    const btc = h.fake.engine.balance("BTC");
    expect(view.position.qty).toBeCloseTo(btc.free + btc.locked, 8);
  });
});
