// Live bots on the websocket streams of venues other than Binance (issue 19), through ccxt's own class
// of each venue against its fake's websocket side: a fill reaches the journal by stream within a second
// of the fake reporting it; a cut of the user websocket mid-order loses nothing (REST finds the fill on
// reconnect); duplicated and reordered messages change nothing; REST requests per minute while the
// streams are healthy are at most a tenth of polling's (counted at the fake). Only the table below
// knows a venue; streams.test.ts covers Binance.
import { afterEach, describe, expect, it, vi } from "vitest";

// The venue's clock is the stream's (see botsVenues.test.ts): only Date is faked, timers stay real.
vi.hoisted(() => {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});

import { backtest, compile } from "@keyflow/core";
import { makeCandles, startVenueFake, type VenueFake, type VenueId, type WsFault, type WsSent } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, expectNoSecrets, harness, journal, leakSites, smaFlow, stepAll, streamsUp, tradeTuple, until, type Harness } from "./botHelpers";

/** Venue specifics: the trade id a websocket message reports a fill of (null: not a fill report). */
const SPEC: Partial<Record<VenueId, { fillReported(m: WsSent): string | null }>> = {
  okx: { fillReported: (m) => (m.channel === "user" && m.event === "orders" && m.payload["tradeId"] ? String(m.payload["tradeId"]) : null) },
};
const VENUES = Object.keys(SPEC) as VenueId[];

const START = Date.UTC(2024, 0, 1);

describe.each(VENUES)("live bots on %s's websocket streams (fake)", (venue) => {
  const spec = SPEC[venue]!;
  const running: { h: Harness; fake: VenueFake }[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.h.close();
      await r.fake.close();
    }
  });

  /**
   * A venue fake and a harness on it whose REST poll is slow (5 s): anything sooner came by stream. The
   * clock is the stream's (each candle closes as the clock reaches its end), or with `clock: "real"`
   * today's, to which every candle of 2024 is long closed (the Binance stream test's clock): a polling
   * bot then asks REST for candles at every turn, as it does whenever a candle is due.
   */
  async function live(count: number, opts: { pollMs?: number; streams?: boolean; clock?: "stream" | "real" } = {}) {
    const streamClock = opts.clock !== "real";
    const fake = await startVenueFake(venue, {
      candles: { BTCUSDT: makeCandles({ start: START, count, seed: 7 }), ETHUSDT: makeCandles({ start: START, count, seed: 8, startPrice: 2000 }) },
      closedAtStart: 5,
      balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
      feeRate: 0.001,
    });
    vi.setSystemTime(streamClock ? START + fake.engine.closed * 60_000 + 1_000 : vi.getRealSystemTime());
    const h = await harness({
      exchange: { urls: { [venue]: fake.url } },
      bots: { pollMs: opts.pollMs ?? 5000, safetyNetMs: 60_000, streams: opts.streams ?? true, leaseMs: 60_000, unknownGraceMs: 200 },
    });
    running.push({ h, fake });
    const k = fake.keys.trade!;
    const keyId = (await h.caller.keys.add({ exchange: venue, apiKey: k.apiKey, secret: k.secret, password: k.passphrase })).id;
    const flow = smaFlow(5, 13);
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    const botId = (await h.caller.bots.deploy({ flow, mode: "live", keyId, confirmLive: true })).id;
    // The clock moves to the next candle's close as it closes (a second into the one forming).
    const advance = () => {
      if (streamClock) vi.setSystemTime(START + (fake.engine.closed + 1) * 60_000 + 1_000);
      fake.advance();
    };
    const expectedTrades = () => {
      const c = compile(flow);
      if (!c.ok) throw new Error("flow does not compile");
      return backtest(c.spec, closedCandles(fake), flow.settings).trades.map(tradeTuple);
    };
    return { h, fake, botId, advance, expectedTrades };
  }

  it("journals a fill less than a second after the fake reports it, by stream", async () => {
    const { h, fake, botId, advance, expectedTrades } = await live(120);
    await caughtUp(h, botId, 10_000, fake);
    await streamsUp(h, botId);
    await stepAll(h, botId, 120, undefined, { engine: fake.engine, advance });
    await until(() => h.services.db.bots.activeOrders(botId).length === 0, 5000, "orders to settle");
    const fills = h.services.db.bots.fills(botId);
    expect(fills.length).toBeGreaterThan(3);
    // For each fill: when the fake wrote its report (the fake's clock) and when the bot journalled it.
    const reported = new Map<string, number>();
    for (const m of fake.ws!.sent) {
      const t = spec.fillReported(m);
      if (t !== null && !reported.has(t)) reported.set(t, m.at);
    }
    for (const f of fills) {
      const at = reported.get(f.tradeId);
      expect(at, `trade ${f.tradeId} was reported`).toBeDefined();
      expect(f.createdAt - at!).toBeLessThan(1000);
      expect(f.createdAt - at!).toBeGreaterThanOrEqual(0);
      expect(f.channel).toBe("stream");
    }
    // The candles came by stream too, with their final values (no REST candle read while acting).
    const acted = h.services.db.bots.candles(botId).filter((c) => !c.warmup);
    expect(acted.length).toBeGreaterThan(100);
    expect(acted.filter((c) => c.channel === "stream").length).toBe(acted.length);
    expect((await h.caller.bots.get({ id: botId })).trades.map(tradeTuple)).toEqual(expectedTrades());
  });

  it("a cut of the user websocket mid-order loses nothing: the fill missed by the stream is found by REST on reconnect", async () => {
    const { h, fake, botId, advance, expectedTrades } = await live(120);
    await caughtUp(h, botId, 10_000, fake);
    await streamsUp(h, botId);
    let cuts = 0;
    await stepAll(
      h,
      botId,
      120,
      () => {
        // An order is working: its fill will be published while the user stream is down and its messages lost.
        if (h.services.db.bots.activeOrders(botId).some((o) => o.status === "sent" || o.status === "open")) {
          fake.ws!.faults.inject({ kind: "drop", times: 4 }, "user");
          fake.ws!.cut("user");
          cuts++;
        }
      },
      { engine: fake.engine, advance },
    );
    await until(() => h.services.db.bots.activeOrders(botId).length === 0, 10_000, "orders to settle");
    expect(cuts).toBeGreaterThan(2);
    expect((await h.caller.bots.get({ id: botId })).trades.map(tradeTuple)).toEqual(expectedTrades());
    // Every trade of the account is journalled once.
    const fills = h.services.db.bots.fills(botId);
    expect(fills.map((f) => f.tradeId).sort()).toEqual(fake.engine.trades.map((t) => String(t.id)).sort());
    expect(h.services.db.bots.eventsAfter(0, botId, 10_000).some((e) => /orders stream is back/.test(e.message))).toBe(true);
    // The key logged in on the websocket (its signature, passphrase and key travel there): nothing of it is logged.
    const k = fake.keys.trade!;
    expectNoSecrets(leakSites(h), [k.apiKey, k.secret, ...(k.passphrase ? [k.passphrase] : [])]);
  });

  it("duplicated and reordered messages change nothing: the journal equals a run without faults", async () => {
    const run = async (faults: WsFault[]) => {
      const { h, fake, botId, advance } = await live(160);
      await caughtUp(h, botId, 10_000, fake);
      await streamsUp(h, botId);
      for (const f of faults) fake.ws!.faults.inject(f);
      await stepAll(h, botId, 160, undefined, { engine: fake.engine, advance });
      await until(() => h.services.db.bots.activeOrders(botId).length === 0, 10_000, "orders to settle");
      fake.ws!.faults.clear();
      return {
        journal: journal(h, botId),
        trades: (await h.caller.bots.get({ id: botId })).trades.map(tradeTuple),
        candles: h.services.db.bots.candles(botId).map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume]),
      };
    };
    const clean = await run([]);
    const faulty = await run([
      { kind: "duplicate", times: 40 },
      { kind: "reorder", times: 40 },
      { kind: "duplicate", times: 40 },
      { kind: "reorder", times: 40 },
    ]);
    expect(clean.trades.length).toBeGreaterThan(2);
    expect(faulty.journal).toEqual(clean.journal);
    expect(faulty.trades).toEqual(clean.trades);
    expect(faulty.candles).toEqual(clean.candles);
  }, 90_000);

  it("spends at most a tenth of polling's REST requests per minute while streams are healthy (counted at the fake)", async () => {
    const perMinute = async (streams: boolean) => {
      const { h, fake, botId, advance } = await live(80, { pollMs: 100, streams, clock: "real" });
      await caughtUp(h, botId, 10_000, fake);
      if (streams) await streamsUp(h, botId);
      const before = fake.requests.length;
      const t0 = performance.now();
      // The same run: a candle every 1.2 s (20 candles), each processed before the next — twelve 100 ms
      // polls a candle, as the default 5 s poll makes on 1-minute candles (the orders a run sends cost
      // the same REST requests in both modes; only polling's cost grows with time).
      const first = fake.engine.closed;
      while (fake.engine.closed < first + 20) {
        const due = t0 + (fake.engine.closed - first) * 1200;
        await until(() => performance.now() >= due, 5000, "the next candle's time");
        advance();
        await caughtUp(h, botId, 10_000, fake);
      }
      const minutes = (performance.now() - t0) / 60_000;
      const n = fake.requests.length - before;
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
  }, 150_000);
});
