// A live bot's trailing stop moved on the exchange (through ccxt's classes, against the venue fakes in
// their wire formats). In place on a venue that keeps the order's ids (Bybit's /v5/order/amend; OKX's
// amend-algos, its stops being algo orders; Bitget's modify-plan-order, its stops being plan orders):
// one exchange order the whole time, each amendment journalled as its own row that records the exchange
// order it amended. By cancel and a new stop where the venue cannot amend a stop (KuCoin, its stops in a
// stop book of their own): each move a new exchange order, the time without a stop journalled. Either
// way never two stops working at once, the order's fill attributed to the one row that follows it at the
// end; a move cut off by a crash is settled on restart, and a stop that fills while the bot is down is
// found on restart. (Binance's cancelReplace is in amend.test.ts.)
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The venue's clock is the stream's (see botsVenues.test.ts): only Date is faked, timers stay real.
vi.hoisted(() => {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});

import { makeCandles, startVenueFake, type VenueFake, type VenueId } from "../../../test/fake-exchange/index";
import type { FakeOrder } from "../../../test/fake-exchange/types";
import { bitgetPlanId } from "../../../test/fake-exchange/venues/bitgetPlan";
import { kucoinStopId } from "../../../test/fake-exchange/venues/kucoinStop";
import { okxAlgoId } from "../../../test/fake-exchange/venues/okxAlgo";
import type { CrashPoint } from "../src/bots/crashHook";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 6, 1);
const VENUES: VenueId[] = ["bybit", "okx", "bitget", "kucoin"];
const isStop = (o: FakeOrder) => o.type === "STOP_LOSS";
/**
 * Venue specifics: how a stop moves ("edit" in place, or "cancel-replace"), the amendment's path (in
 * place), the crash points around the request that moves it, and the ids the exchange gives one engine
 * order (an OKX, Bitget or KuCoin stop is held apart under an id of its own — algoId, plan orderId, stop
 * id — until it triggers, then it is the market order it became, under that order's id).
 */
type Spec = { mode: "edit" | "cancel-replace"; amendPath: string | null; crashPoints: readonly CrashPoint[]; ids: (o: FakeOrder) => string[] };
const IN_PLACE = ["amend-after-journal", "amend-after-send"] as const;
const SPEC: Partial<Record<VenueId, Spec>> = {
  bybit: { mode: "edit", amendPath: "/v5/order/amend", crashPoints: IN_PLACE, ids: (o) => [String(o.orderId)] },
  okx: { mode: "edit", amendPath: "/api/v5/trade/amend-algos", crashPoints: IN_PLACE, ids: (o) => [okxAlgoId(o), String(o.orderId)] },
  bitget: { mode: "edit", amendPath: "/api/v2/spot/trade/modify-plan-order", crashPoints: IN_PLACE, ids: (o) => [bitgetPlanId(o), String(o.orderId)] },
  kucoin: { mode: "cancel-replace", amendPath: null, crashPoints: ["after-journal", "after-send"], ids: (o) => [kucoinStopId(o), String(o.orderId)] },
};

describe.each(VENUES)("a trailing stop moved on %s (fake)", (venue) => {
  let h: Harness;
  let fake: VenueFake;
  /**
   * The crash point that throws once (the runner's work stops there, as a killed process's would), then
   * the bot restarts; only while `when` holds, if given (a point every order passes: only for a stop's move).
   */
  const crash = { at: null as CrashPoint | null, when: null as (() => boolean) | null };
  const clockAt = () => START + fake.engine.closed * 60_000 + 1_000;
  const spec = SPEC[venue]!;
  /** Every stop row has one exchange order under its client id when it reached the exchange, none otherwise (cancel-replace). */
  const onePerRow = (rows: { intent: string; clientOrderId: string; exchangeOrderId: string | null }[]) =>
    rows.filter((r) => r.intent.startsWith("rest-")).every((r) => fake.engine.orders.filter((o) => o.clientOrderId === r.clientOrderId).length === (r.exchangeOrderId === null ? 0 : 1));
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
            if (p !== crash.at || (crash.when && !crash.when())) return;
            crash.at = null;
            crash.when = null;
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

  it("the stop moves up, journalled move by move; never two stops working at once", async () => {
    const k = fake.keys.trade!;
    const keyId = (await h.caller.keys.add({ exchange: venue, apiKey: k.apiKey, secret: k.secret, password: k.passphrase })).id;
    const flow = smaFlow(3, 8, { trailingPct: 0.4 });
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    const botId = (await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true, warmupBars: 50 })).id;
    const journal = () => h.services.db.bots.allOrders(botId);
    const amendments = () => journal().filter((o) => o.amendMode === spec.mode && o.status !== "rejected");
    const stopFilled = () => fake.engine.orders.some((o) => isStop(o) && o.status === "FILLED");
    await caughtUp(h, botId, 10_000, fake);
    for (let i = 0; i < 600 && !(amendments().length >= 3 && stopFilled()); i++) {
      fake.advance();
      vi.setSystemTime(clockAt());
      await caughtUp(h, botId, 10_000, fake);
    }
    expect(amendments().length).toBeGreaterThanOrEqual(3);
    expect(stopFilled()).toBe(true);
    // Each move sent once: in place one amendment request per row; by cancel and replace one exchange order per stop row that reached it.
    if (spec.mode === "edit") expect(fake.requests.filter((r) => r.method === "POST" && r.path === spec.amendPath && r.status === 200)).toHaveLength(amendments().length);
    else expect(onePerRow(journal())).toBe(true);

    const engine = fake.engine;
    const spans = engine.liveSpans("BTCUSDT", isStop);
    expect(spans.every((s) => s.max === 1)).toBe(true);
    for (const a of amendments()) {
      // The move names the row it moves; that row closed.
      const old = journal().find((o) => o.clientOrderId === a.replaces)!;
      expect(engineOrder(a.exchangeOrderId)).toBeDefined();
      expect(old.status).toBe("cancelled");
      expect(a.price!).toBeGreaterThan(old.price!);
      const onExchange = engineOrder(a.exchangeOrderId)!;
      if (spec.mode === "edit") {
        // In place: the same exchange order, still under the client id it was placed with.
        expect(onExchange).toBe(engineOrder(old.exchangeOrderId));
        expect(old.message).toMatch(/^Amended in place: the same exchange order continues as rest-\w+-\d+ at [\d.]+\.$/);
        expect(a.gapMs).toBeNull();
        expect(engine.orders.filter((o) => o.clientOrderId === a.clientOrderId)).toEqual([]);
      } else {
        // Cancel and replace: a new exchange order under the move's own client id, placed after the old one was cancelled.
        expect(onExchange).not.toBe(engineOrder(old.exchangeOrderId));
        expect(engineOrder(old.exchangeOrderId)!.status).toBe("CANCELED");
        expect(onExchange.clientOrderId).toBe(a.clientOrderId);
        expect(a.gapMs).toBeGreaterThanOrEqual(0);
      }
      // On the exchange: the order in one span.
      expect(spans.filter((s) => s.orders.includes(onExchange.orderId))).toHaveLength(1);
    }
    // Each exchange stop order is one span: an amendment in place opens none, a cancel-and-replace closes one before opening the next.
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
    expect(log).toMatch(spec.mode === "edit" ? /Moved the trailing stop in place on the exchange .* same exchange order/ : /Replaced by cancel and new order \(the exchange cannot amend it in place\): no stop was working for \d+ ms\./);
    await h.caller.bots.pause({ id: botId });
    await h.services.bots.settle(botId);
  });

  it.each(spec.crashPoints)("a move cut off at %s is reconciled on restart: sent at most once, no second order", async (point) => {
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
    // Wait for a working stop, then arm the crash: the next move stops at the crash point.
    for (let i = 0; i < 300 && !journal().some((o) => o.intent.startsWith("rest-") && o.status === "open"); i++) await step();
    const known = new Set(journal().map((o) => o.clientOrderId));
    const moving = () => journal().find((o) => o.amendMode === spec.mode && !known.has(o.clientOrderId));
    crash.at = point;
    crash.when = () => moving() !== undefined;
    const before = amendRequests();
    for (let i = 0; i < 300 && crash.at !== null; i++) await step();
    expect(crash.at).toBeNull();
    // The move the crash cut off (journalled; sent or not).
    const cut = moving()!;
    expect(cut).toBeDefined();

    // Restart: reconciliation finds the move on the exchange (after-send) or sends it once (in place) /
    // closes it as never sent once its candle has passed (cancel-replace: the stop is decided again).
    await h.caller.bots.pause({ id: botId });
    await h.services.bots.settle(botId);
    await h.caller.bots.start({ id: botId });
    await until(() => h.services.db.bots.get(botId)!.status === "running", 5000, "running");
    await caughtUp(h, botId, 10_000, fake);
    const pending = () => h.services.db.bots.getOrder(cut.clientOrderId)!.status === "pending";
    if (spec.mode === "cancel-replace") for (let i = 0; i < 20 && pending(); i++) await step();
    await until(() => !pending(), 10_000, "the cut-off move to be reconciled");
    const row = h.services.db.bots.getOrder(cut.clientOrderId)!;
    const sentBeforeCut = point.endsWith("after-send");
    const log = h.services.db.bots.recentEvents(botId, 1000).map((e) => e.message).join("\n");
    expect(h.services.db.bots.getOrder(cut.replaces!)!.status).toBe("cancelled");
    const restRows = () => journal().filter((o) => o.intent.startsWith("rest-") && !known.has(o.clientOrderId));
    if (spec.mode === "edit") {
      const onExchange = engineOrder(row.exchangeOrderId)!;
      // The amendment took effect exactly once: its row follows the one exchange order, at its price.
      expect(amendRequests() - before).toBe(journal().filter((o) => o.amendMode === "edit" && !known.has(o.clientOrderId) && o.status !== "rejected").length);
      expect(["open", "filled", "sent"]).toContain(row.status);
      expect(onExchange).toBe(engineOrder(cut.exchangeOrderId));
      if (onExchange.status === "NEW") expect(onExchange.stopPrice).toBe(row.price);
      // How it was settled: found applied by the order's price (sent before the cut), or sent once (not sent).
      expect(log).toContain(sentBeforeCut ? `Found the amendment ${cut.intent} applied on the exchange` : `Sending the amendment ${cut.intent} that was journalled but never sent`);
      expect(journal().filter((o) => ["open", "sent", "partially_filled"].includes(o.status) && o.intent.startsWith("rest-"))).toHaveLength(onExchange.status === "NEW" ? 1 : 0);
    } else {
      // Each stop sent once: one exchange order per stop row that reached the exchange, none for the others.
      expect(onePerRow(restRows())).toBe(true);
      if (sentBeforeCut) {
        // Found by its client id, not sent again.
        expect(["open", "filled", "sent"]).toContain(row.status);
        expect(engineOrder(row.exchangeOrderId)!.clientOrderId).toBe(cut.clientOrderId);
        expect(log).toContain(`Found the ${cut.intent} order of the `);
      } else {
        // Never sent, and closed as such once its candle passed; the exchange never saw it.
        expect(row).toMatchObject({ status: "rejected", message: expect.stringMatching(/^Not sent: the bot stopped between journalling and sending it/) });
        expect(fake.engine.orders.filter((o) => o.clientOrderId === cut.clientOrderId)).toEqual([]);
      }
      // The position is protected again: one stop row working, its exchange order waiting.
      for (let i = 0; i < 20 && !journal().some((o) => o.intent.startsWith("rest-") && o.status === "open") && h.services.db.bots.get(botId)!.book.qty > 0; i++) await step();
      const working = journal().filter((o) => ["open", "sent", "partially_filled"].includes(o.status) && o.intent.startsWith("rest-"));
      expect(working.length).toBeLessThanOrEqual(1);
      for (const w of working) expect(engineOrder(w.exchangeOrderId)!.status).toBe("NEW");
    }
    // Never two stops.
    expect(fake.engine.liveSpans("BTCUSDT", isStop).every((s) => s.max === 1)).toBe(true);
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
