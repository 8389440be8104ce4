// A live bot's trailing stop amended in place on a venue that keeps the order's ids (Bybit's
// /v5/order/amend; OKX's amend-algos, its stops being algo orders; Bitget's modify-plan-order, its stops
// being plan orders — through ccxt's classes, against the
// venue fakes in their wire formats): one exchange order the whole time (one span of working stops,
// never two), each amendment journalled as its own row that records the exchange order it amended, and
// the order's fill attributed to the one row that follows it at the end; an amendment cut off by a crash
// is settled on restart, and a stop that fills while the bot is down is found on restart. (Binance's
// cancelReplace is in amend.test.ts.)
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The venue's clock is the stream's (see botsVenues.test.ts): only Date is faked, timers stay real.
vi.hoisted(() => {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});

import { makeCandles, startVenueFake, type VenueFake, type VenueId } from "../../../test/fake-exchange/index";
import type { FakeOrder } from "../../../test/fake-exchange/types";
import { bitgetPlanId } from "../../../test/fake-exchange/venues/bitgetPlan";
import { okxAlgoId } from "../../../test/fake-exchange/venues/okxAlgo";
import type { CrashPoint } from "../src/bots/crashHook";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 6, 1);
const VENUES: VenueId[] = ["bybit", "okx", "bitget"];
const isStop = (o: FakeOrder) => o.type === "STOP_LOSS";
/**
 * Venue specifics: the amendment's path, and the ids the exchange gives one engine order (an OKX stop is
 * an algo order under its algoId until it triggers, then the market order it became, under its own id;
 * a Bitget stop likewise a plan order under its plan orderId).
 */
const SPEC: Partial<Record<VenueId, { amendPath: string; ids: (o: FakeOrder) => string[] }>> = {
  bybit: { amendPath: "/v5/order/amend", ids: (o) => [String(o.orderId)] },
  okx: { amendPath: "/api/v5/trade/amend-algos", ids: (o) => [okxAlgoId(o), String(o.orderId)] },
  bitget: { amendPath: "/api/v2/spot/trade/modify-plan-order", ids: (o) => [bitgetPlanId(o), String(o.orderId)] },
};

describe.each(VENUES)("a trailing stop amended in place on %s (fake)", (venue) => {
  let h: Harness;
  let fake: VenueFake;
  /** The crash point that throws once (the runner's work stops there, as a killed process's would), then the bot restarts. */
  const crash = { at: null as CrashPoint | null };
  const clockAt = () => START + fake.engine.closed * 60_000 + 1_000;
  const spec = SPEC[venue]!;
  /** The engine order a journal row's exchange order id names. */
  const engineOrder = (exchangeOrderId: string | null) => fake.engine.orders.find((o) => exchangeOrderId !== null && spec.ids(o).includes(exchangeOrderId));
  beforeAll(async () => {
    fake = await startVenueFake(venue, {
      candles: { BTCUSDT: makeCandles({ start: START, count: 700, seed: 21 }), ETHUSDT: makeCandles({ start: START, count: 700, seed: 22, startPrice: 2000 }) },
      closedAtStart: 60,
      balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
      feeRate: 0.001,
    });
    vi.setSystemTime(clockAt());
    h = await harness({
      exchange: { urls: { [venue]: fake.url } },
      bots: { streams: false },
      services: {
        bots: {
          crash: (p) => {
            if (p !== crash.at) return;
            crash.at = null;
            throw new Error(`test crash at ${p}`);
          },
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it("one exchange order moves up, journalled amendment by amendment; one stop works at every moment", async () => {
    const k = fake.keys.trade!;
    const keyId = (await h.caller.keys.add({ exchange: venue, apiKey: k.apiKey, secret: k.secret, password: k.passphrase })).id;
    const flow = smaFlow(3, 8, { trailingPct: 0.4 });
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    const botId = (await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true, warmupBars: 50 })).id;
    const journal = () => h.services.db.bots.allOrders(botId);
    const amendments = () => journal().filter((o) => o.amendMode === "edit" && o.status !== "rejected");
    const stopFilled = () => fake.engine.orders.some((o) => isStop(o) && o.status === "FILLED");
    await caughtUp(h, botId, 10_000, fake);
    for (let i = 0; i < 600 && !(amendments().length >= 3 && stopFilled()); i++) {
      fake.advance();
      vi.setSystemTime(clockAt());
      await caughtUp(h, botId, 10_000, fake);
    }
    expect(amendments().length).toBeGreaterThanOrEqual(3);
    expect(stopFilled()).toBe(true);
    expect(fake.requests.filter((r) => r.method === "POST" && r.path === spec.amendPath && r.status === 200)).toHaveLength(amendments().length);

    const engine = fake.engine;
    const spans = engine.liveSpans("BTCUSDT", isStop);
    expect(spans.every((s) => s.max === 1)).toBe(true);
    for (const a of amendments()) {
      // The amendment names the row it amends and records the same exchange order; that row closed as amended.
      const old = journal().find((o) => o.clientOrderId === a.replaces)!;
      expect(engineOrder(a.exchangeOrderId)).toBeDefined();
      expect(engineOrder(a.exchangeOrderId)).toBe(engineOrder(old.exchangeOrderId));
      expect(old.status).toBe("cancelled");
      expect(old.message).toMatch(/^Amended in place: the same exchange order continues as rest-\w+-\d+ at [\d.]+\.$/);
      expect(a.price!).toBeGreaterThan(old.price!);
      expect(a.gapMs).toBeNull();
      // On the exchange: one order, still under the client id it was placed with, in one span.
      const onExchange = engineOrder(a.exchangeOrderId)!;
      expect(engine.orders.filter((o) => o.clientOrderId === a.clientOrderId)).toEqual([]);
      expect(spans.filter((s) => s.orders.includes(onExchange.orderId))).toHaveLength(1);
    }
    // Each exchange stop order is one span: the amendments opened none (a cancel-and-replace would).
    const stopOrders = engine.orders.filter(isStop);
    expect(spans.length).toBe(stopOrders.length);
    expect(spans.every((s) => s.orders.length === 1)).toBe(true);
    // The stop that executed: its fill belongs to the one row following it, at the price it was amended to.
    const filled = stopOrders.find((o) => o.status === "FILLED");
    expect(filled).toBeDefined();
    {
      if (!filled) return;
      const rows = journal().filter((o) => engineOrder(o.exchangeOrderId) === filled);
      const live = rows.filter((o) => o.status === "filled");
      expect(live).toHaveLength(1);
      expect(live[0]!.price).toBe(filled.stopPrice);
      const fills = h.services.db.bots.fills(botId).filter((f) => rows.some((r) => r.clientOrderId === f.clientOrderId));
      expect(fills.map((f) => f.clientOrderId)).toEqual(filled.trades.map(() => live[0]!.clientOrderId));
    }
    const log = h.services.db.bots.recentEvents(botId, 1000).map((e) => e.message).join("\n");
    expect(log).toMatch(/Moved the trailing stop in place on the exchange .* same exchange order/);
    await h.caller.bots.pause({ id: botId });
    await h.services.bots.settle(botId);
  });

  it.each(["amend-after-journal", "amend-after-send"] as const)("an amendment cut off at %s is reconciled on restart: sent at most once, no second order", async (point) => {
    const k = fake.keys.trade!;
    const keyId = (await h.caller.keys.add({ exchange: venue, label: point, apiKey: k.apiKey, secret: k.secret, password: k.passphrase })).id;
    const flow = smaFlow(3, 8, { trailingPct: 0.4 });
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    const botId = (await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true, warmupBars: 50, name: point })).id;
    const journal = () => h.services.db.bots.allOrders(botId);
    const amendRequests = () => fake.requests.filter((r) => r.method === "POST" && r.path === spec.amendPath).length;
    const step = async () => {
      fake.advance();
      vi.setSystemTime(clockAt());
      await caughtUp(h, botId, 10_000, fake).catch(() => undefined);
    };
    await caughtUp(h, botId, 10_000, fake);
    // Wait for a working stop, then arm the crash: the next amendment stops at the crash point.
    for (let i = 0; i < 300 && !journal().some((o) => o.intent.startsWith("rest-") && o.status === "open"); i++) await step();
    crash.at = point;
    const known = new Set(journal().map((o) => o.clientOrderId));
    const before = amendRequests();
    for (let i = 0; i < 300 && crash.at !== null; i++) await step();
    expect(crash.at).toBeNull();
    // The amendment the crash cut off (journalled; sent or not).
    const cut = journal().find((o) => o.amendMode === "edit" && !known.has(o.clientOrderId))!;
    expect(cut).toBeDefined();

    // Restart: reconciliation finds the amendment applied (after-send) or sends it once (after-journal).
    await h.caller.bots.pause({ id: botId });
    await h.services.bots.settle(botId);
    await h.caller.bots.start({ id: botId });
    await until(() => h.services.db.bots.get(botId)!.status === "running", 5000, "running");
    await caughtUp(h, botId, 10_000, fake);
    await until(() => h.services.db.bots.getOrder(cut.clientOrderId)!.status !== "pending", 10_000, "the cut-off amendment to be reconciled");
    const row = h.services.db.bots.getOrder(cut.clientOrderId)!;
    const onExchange = engineOrder(row.exchangeOrderId)!;
    // The amendment took effect exactly once: its row follows the one exchange order, at its price.
    expect(amendRequests() - before).toBe(journal().filter((o) => o.amendMode === "edit" && !known.has(o.clientOrderId) && o.status !== "rejected").length);
    expect(["open", "filled", "sent"]).toContain(row.status);
    expect(onExchange).toBe(engineOrder(cut.exchangeOrderId));
    if (onExchange.status === "NEW") expect(onExchange.stopPrice).toBe(row.price);
    expect(h.services.db.bots.getOrder(cut.replaces!)!.status).toBe("cancelled");
    // How it was settled: found applied by the order's price (sent before the cut), or sent once (not sent).
    const log = h.services.db.bots.recentEvents(botId, 1000).map((e) => e.message).join("\n");
    expect(log).toContain(point === "amend-after-send" ? `Found the amendment ${cut.intent} applied on the exchange` : `Sending the amendment ${cut.intent} that was journalled but never sent`);
    // Never two stops, and no second exchange order for the amendment.
    expect(fake.engine.liveSpans("BTCUSDT", isStop).every((s) => s.max === 1)).toBe(true);
    expect(journal().filter((o) => ["open", "sent", "partially_filled"].includes(o.status) && o.intent.startsWith("rest-"))).toHaveLength(onExchange.status === "NEW" ? 1 : 0);
    await h.caller.bots.pause({ id: botId });
    await h.services.bots.settle(botId);
  });

  it("a stop that fills while the bot is down is found on restart: the exit journalled with its fill, nothing sold twice", async () => {
    const k = fake.keys.trade!;
    const keyId = (await h.caller.keys.add({ exchange: venue, label: "down", apiKey: k.apiKey, secret: k.secret, password: k.passphrase })).id;
    const flow = smaFlow(3, 8, { trailingPct: 0.4 });
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    const botId = (await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true, warmupBars: 50, name: "down" })).id;
    const journal = () => h.services.db.bots.allOrders(botId);
    const step = async () => {
      fake.advance();
      vi.setSystemTime(clockAt());
      await caughtUp(h, botId, 10_000, fake);
    };
    await caughtUp(h, botId, 10_000, fake);
    // A position with its stop working on the exchange, then the bot goes down (its stop stays).
    for (let i = 0; i < 300 && !journal().some((o) => o.intent.startsWith("rest-") && o.status === "open"); i++) await step();
    const rest = journal().find((o) => o.intent.startsWith("rest-") && o.status === "open")!;
    expect(rest).toBeDefined();
    await h.caller.bots.pause({ id: botId });
    await h.services.bots.settle(botId);
    const stop = engineOrder(rest.exchangeOrderId)!;
    expect(stop).toMatchObject({ type: "STOP_LOSS", status: "NEW" });
    for (let i = 0; i < 500 && stop.status !== "FILLED"; i++) {
      fake.advance();
      vi.setSystemTime(clockAt());
    }
    expect(stop.status).toBe("FILLED");
    const sellsBefore = fake.engine.orders.filter((o) => o.side === "SELL").length;

    await h.caller.bots.start({ id: botId });
    await until(() => h.services.db.bots.get(botId)!.status === "running", 5000, "running");
    await caughtUp(h, botId, 10_000, fake);
    await until(() => h.services.db.bots.activeOrders(botId).length === 0, 10_000, "the stop to be reconciled");
    const row = h.services.db.bots.getOrder(rest.clientOrderId)!;
    expect(row.status).toBe("filled");
    expect(engineOrder(row.exchangeOrderId)).toBe(stop);
    const fills = h.services.db.bots.fillsForOrder(rest.clientOrderId);
    expect(fills.map((f) => f.tradeId)).toEqual(stop.trades.map((t) => String(t.id)));
    expect(h.services.db.bots.get(botId)!.book.qty).toBeLessThan(0.00001);
    // Nothing sold after the restart for the position the stop had closed.
    expect(fake.engine.orders.filter((o) => o.side === "SELL")).toHaveLength(sellsBefore);
    await h.caller.bots.pause({ id: botId });
    await h.services.bots.settle(botId);
  });
});
