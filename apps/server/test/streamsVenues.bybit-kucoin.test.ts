// Bots on the websocket streams of venues other than Binance (issue 19), through ccxt's own class of each
// exchange against the venue fakes' websocket sides: a fill is journalled within a second of the fake
// reporting it, by stream; a cut user websocket loses nothing (REST finds the fill on reconnect);
// duplicated and reordered order messages change nothing; REST requests per minute while streams are
// healthy are at most a tenth of polling's. The body is venue-neutral: what differs is in VENUE_WS.
import { afterEach, describe, expect, it, vi } from "vitest";

// The venue's clock is the stream's (see botsVenues.test.ts): only Date is faked, timers stay real.
vi.hoisted(() => {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});

import { backtest, compile } from "@keyflow/core";
import { makeCandles, startVenueFake, type FakeTrade, type VenueFake, type VenueId, type WsSent } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, expectNoSecrets, harness, journal, leakSites, smaFlow, stepAll, streamsUp, tradeTuple, until, type Harness } from "./botHelpers";

/**
 * What differs between venues: whether a websocket message reports a trade (`cumQty`: the order's filled
 * quantity with it). KuCoin's order messages name the trade; Bybit's "order" topic carries the order's
 * cumulative figures (its "execution" topic, which names it, is not what ccxt's watchOrders subscribes to).
 */
const VENUE_WS: Record<string, { reports(m: WsSent, t: FakeTrade, cumQty: number): boolean }> = {
  bybit: { reports: (m, t, cumQty) => m.event === "order" && m.payload["orderId"] === String(t.orderId) && Number(m.payload["cumExecQty"]) >= cumQty - 1e-9 },
  kucoin: { reports: (m, t) => m.event === "orderChange" && m.payload["type"] === "match" && m.payload["tradeId"] === String(t.id) },
};
const VENUES = Object.keys(VENUE_WS) as VenueId[];

const START = Date.UTC(2024, 0, 1);

describe.each(VENUES)("bots on %s's streams (fake)", (venue) => {
  const specifics = VENUE_WS[venue]!;
  const open: { h: Harness; fake: VenueFake }[] = [];
  afterEach(async () => {
    for (const { h, fake } of open.splice(0)) {
      await h.close();
      await fake.close();
    }
  });

  /** A venue fake and a server whose REST poll is slow (5 s): anything that arrives sooner came by stream. */
  async function live(count: number, opts: { pollMs?: number; streams?: boolean } = {}) {
    // One candle more than a test closes: a stream without a closed flag (KuCoin) tells a candle closed when the next one starts.
    const fake = await startVenueFake(venue, {
      candles: { BTCUSDT: makeCandles({ start: START, count: count + 1, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: count + 1, seed: 8, startPrice: 2000 }) },
      closedAtStart: 5,
      balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
      feeRate: 0.001,
    });
    // The clock stands past the stream's last candle, as for Binance's stream tests (candles in 2024): every
    // candle is due when the fake closes it, and the 60 s safety net does not come round during a test.
    vi.setSystemTime(START + (count + 1) * 60_000 + 1_000);
    const h = await harness({
      exchange: { urls: { [venue]: fake.url } },
      bots: { pollMs: opts.pollMs ?? 5000, safetyNetMs: 60_000, streams: opts.streams ?? true, leaseMs: 60_000, unknownGraceMs: 200 },
    });
    open.push({ h, fake });
    const k = fake.keys.trade!;
    const keyId = (await h.caller.keys.add({ exchange: venue, apiKey: k.apiKey, secret: k.secret, password: k.passphrase })).id;
    const flow = smaFlow(5, 13);
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    const botId = (await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true })).id;
    await caughtUp(h, botId, 10_000, fake);
    const ws = fake.ws;
    if (!ws) throw new Error(`the ${venue} fake has no websocket side`);
    return { h, fake, ws, botId, flow };
  }

  const backtestOf = (flow: ReturnType<typeof smaFlow>, fake: VenueFake) => {
    const c = compile(flow);
    if (!c.ok) throw new Error("flow does not compile");
    return backtest(c.spec, closedCandles(fake), flow.settings);
  };

  it("journals a fill less than a second after the fake reports it, by stream", async () => {
    const { h, fake, ws, botId, flow } = await live(120);
    await streamsUp(h, botId);
    await stepAll(h, botId, 120, undefined, fake);
    await until(() => h.services.db.bots.activeOrders(botId).length === 0, 5000, "orders to settle");
    const fills = h.services.db.bots.fills(botId);
    expect(fills.length).toBeGreaterThan(3);
    // For each fill: when the fake first wrote a message reporting its trade (the fake's clock) and when the bot journalled it.
    for (const f of fills) {
      const t = fake.engine.trades.find((x) => String(x.id) === f.tradeId);
      expect(t, `trade ${f.tradeId} is the exchange's`).toBeDefined();
      const cumQty = fake.engine.trades.filter((x) => x.orderId === t!.orderId && x.id <= t!.id).reduce((sum, x) => sum + x.qty, 0);
      const at = ws.sent.find((m) => m.channel === "user" && specifics.reports(m, t!, cumQty))?.at;
      expect(at, `trade ${f.tradeId} was reported`).toBeDefined();
      expect(f.createdAt - at!).toBeLessThan(1000);
      expect(f.createdAt - at!).toBeGreaterThanOrEqual(0);
      expect(f.channel).toBe("stream");
    }
    expect((await h.caller.bots.get({ id: botId })).trades.map(tradeTuple)).toEqual(backtestOf(flow, fake).trades.map(tradeTuple));
    // The candles it acted on came by stream too.
    const acted = h.services.db.bots.candles(botId).filter((c) => !c.warmup);
    expect(acted.length).toBeGreaterThan(100);
    expect(acted.filter((c) => c.channel === "stream").length).toBe(acted.length);
  }, 60_000);

  it("a websocket cut mid-order loses nothing: the fill missed by the stream is found by REST on reconnect", async () => {
    const { h, fake, ws, botId, flow } = await live(120);
    await streamsUp(h, botId);
    let cuts = 0;
    await stepAll(
      h,
      botId,
      120,
      () => {
        // An order is working: its fill will be published while the user stream is down and its messages lost.
        if (h.services.db.bots.activeOrders(botId).some((o) => o.status === "sent" || o.status === "open")) {
          ws.faults.inject({ kind: "drop", times: 4 }, "user");
          ws.cut("user");
          cuts++;
        }
      },
      fake,
    );
    await until(() => h.services.db.bots.activeOrders(botId).length === 0, 10_000, "orders to settle");
    expect(cuts).toBeGreaterThan(2);
    expect((await h.caller.bots.get({ id: botId })).trades.map(tradeTuple)).toEqual(backtestOf(flow, fake).trades.map(tradeTuple));
    // Every trade of the account is journalled once.
    expect(h.services.db.bots.fills(botId).map((f) => f.tradeId).sort()).toEqual(fake.engine.trades.map((t) => String(t.id)).sort());
    expect(h.services.db.bots.eventsAfter(0, botId, 10_000).some((e) => /orders stream is back/.test(e.message))).toBe(true);
    // The key logged in on the websocket too: nothing of it is logged.
    const k = fake.keys.trade!;
    expectNoSecrets(leakSites(h), [k.apiKey, k.secret, ...(k.passphrase ? [k.passphrase] : [])]);
  }, 60_000);

  it("duplicated and reordered order messages change nothing: the journal equals a run without faults", async () => {
    const run = async (faulty: boolean) => {
      const { h, fake, ws, botId } = await live(160);
      await streamsUp(h, botId);
      if (faulty) for (const kind of ["duplicate", "reorder", "duplicate", "reorder"] as const) ws.faults.inject({ kind, times: 40 }, "user");
      await stepAll(h, botId, 160, undefined, fake);
      await until(() => h.services.db.bots.activeOrders(botId).length === 0, 10_000, "orders to settle");
      const duplicated = ws.sent.filter((m) => m.channel === "user").length;
      ws.faults.clear();
      return {
        journal: journal(h, botId),
        trades: (await h.caller.bots.get({ id: botId })).trades.map(tradeTuple),
        candles: h.services.db.bots.candles(botId).map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume]),
        userMessages: duplicated,
      };
    };
    const clean = await run(false);
    const faulty = await run(true);
    expect(clean.trades.length).toBeGreaterThan(2);
    // The faults were there: duplicates sent more user messages than the clean run.
    expect(faulty.userMessages).toBeGreaterThan(clean.userMessages);
    expect(faulty.journal).toEqual(clean.journal);
    expect(faulty.trades).toEqual(clean.trades);
    expect(faulty.candles).toEqual(clean.candles);
  }, 120_000);

  it("spends at most a tenth of polling's REST requests per minute while streams are healthy (counted at the fake)", async () => {
    const perMinute = async (streams: boolean) => {
      const { h, fake, botId } = await live(80, { pollMs: 100, streams });
      if (streams) await streamsUp(h, botId);
      const from = fake.requests.length;
      const t0 = performance.now();
      // The same run: a candle every 500 ms (25 candles), each processed before the next. (A real 1m candle
      // is 120 times further apart; what streaming spends is mostly the orders the bot sends, what polling
      // spends grows with the time waited.)
      while (fake.engine.closed < 30) {
        const due = t0 + (fake.engine.closed - 4) * 500;
        await until(() => performance.now() >= due, 5000, "the next candle's time");
        fake.advance();
        await caughtUp(h, botId, 10_000, fake);
      }
      const minutes = (performance.now() - t0) / 60_000;
      const n = fake.requests.length - from;
      const shown = h.services.db.bots.get(botId)?.health?.delivery;
      return { rate: n / minutes, n, shown };
    };
    const polling = await perMinute(false);
    const streaming = await perMinute(true);
    if (process.env.KEYFLOW_PRINT_RATES) console.info(JSON.stringify({ venue, polling, streaming }));
    expect(polling.n).toBeGreaterThan(50);
    expect(streaming.rate).toBeLessThanOrEqual(polling.rate / 10);
    expect(streaming.shown).toMatchObject({ candles: "stream", orders: "stream" });
    expect(polling.shown).toMatchObject({ candles: "poll", orders: "poll" });
  }, 90_000);
});
