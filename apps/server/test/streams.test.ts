// Bots on the exchange's websocket streams (issue 19): candles and fills reach the bot as the fake
// exchange publishes them; a cut, dropped, duplicated or reordered message loses or changes nothing
// (REST reconciles after every reconnect); REST polling drops to a safety net while streams are up.
import { backtest, compile } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles, type WsFault } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, expectNoSecrets, harness, journalOf, leakSites, smaFlow, stepAll, streamsUp, tradeTuple, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 0, 1);
const candles = (count: number, seed = 7) => ({ BTCUSDT: makeCandles({ start: START, count, seed }), ETHUSDT: makeCandles({ start: START, count, seed: seed + 1, startPrice: 2000 }) });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function backtestOf(flow: ReturnType<typeof smaFlow>, hh: Harness) {
  const c = compile(flow);
  if (!c.ok) throw new Error("flow does not compile");
  return backtest(c.spec, closedCandles(hh.fake), flow.settings);
}

/** A live harness whose REST poll is slow (5 s, the default): anything that arrives sooner came by stream. */
async function live(count: number, opts: { pollMs?: number; streams?: boolean } = {}) {
  const hh = await harness({
    fake: { candles: candles(count), closedAtStart: 5, balances: { USDT: 1_000_000, BTC: 0, ETH: 0 }, feeRate: 0.001 },
    bots: { pollMs: opts.pollMs ?? 5000, safetyNetMs: 60_000, streams: opts.streams ?? true, leaseMs: 60_000, unknownGraceMs: 200 },
  });
  const key = await hh.caller.keys.add({ exchange: "binance", apiKey: hh.fake.keys.trade!.apiKey, secret: hh.fake.keys.trade!.secret });
  return { hh, key };
}

describe("bots on streams", () => {
  it("a paper bot fed by the candle stream trades exactly what the backtest trades, and its candles came by stream", async () => {
    h = await harness({ fake: { candles: candles(300), closedAtStart: 5 }, bots: { pollMs: 5000, safetyNetMs: 60_000, streams: true } });
    const flow = smaFlow(5, 13);
    const bot = await h.caller.bots.deploy({ flow });
    await caughtUp(h, bot.id);
    await streamsUp(h, bot.id);
    // Bursts of candles, as after a pause; the stream carries each closed candle.
    let seed = 3;
    while (h.fake.engine.closed < 300) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      h.fake.advance(Math.min(300 - h.fake.engine.closed, 1 + (seed % 9)));
      await caughtUp(h, bot.id);
    }
    const expected = backtestOf(flow, h);
    expect(expected.trades.length).toBeGreaterThan(5);
    expect((await h.caller.bots.get({ id: bot.id })).trades).toEqual(expected.trades);
    const acted = h.services.db.bots.candles(bot.id).filter((c) => !c.warmup);
    expect(acted.length).toBeGreaterThan(250);
    // The poll is 5 s and the safety net 60 s: the run took less, so the stream delivered them.
    expect(acted.filter((c) => c.channel === "stream").length).toBe(acted.length);
  });

  it("journals a fill less than a second after the fake reports it, by stream", async () => {
    const { hh, key } = await live(120);
    h = hh;
    const flow = smaFlow(5, 13);
    const bot = await h.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true });
    await caughtUp(h, bot.id);
    await streamsUp(h, bot.id);
    await stepAll(h, bot.id, 120);
    await until(() => h!.services.db.bots.activeOrders(bot.id).length === 0, 5000, "orders to settle");
    const fills = h.services.db.bots.fills(bot.id);
    expect(fills.length).toBeGreaterThan(3);
    // For each fill: when the fake wrote its executionReport (the fake's clock) and when the bot journalled it.
    const reported = new Map(h.fake.ws.sent.filter((m) => m.event === "executionReport" && m.payload["x"] === "TRADE").map((m) => [String(m.payload["t"]), m.at]));
    for (const f of fills) {
      const at = reported.get(f.tradeId);
      expect(at, `trade ${f.tradeId} was reported`).toBeDefined();
      expect(f.createdAt - at!).toBeLessThan(1000);
      expect(f.createdAt - at!).toBeGreaterThanOrEqual(0);
      expect(f.channel).toBe("stream");
    }
    const expected = backtestOf(flow, h);
    expect((await h.caller.bots.get({ id: bot.id })).trades.map(tradeTuple)).toEqual(expected.trades.map(tradeTuple));
  });

  it("a websocket cut mid-order loses nothing: the fill missed by the stream is found by REST on reconnect", async () => {
    const { hh, key } = await live(120);
    h = hh;
    const flow = smaFlow(5, 13);
    const bot = await h.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true });
    await caughtUp(h, bot.id);
    await streamsUp(h, bot.id);
    let cuts = 0;
    await stepAll(h, bot.id, 120, {
      between: () => {
        // An order is working: its fill will be published while the user stream is down and its messages lost.
        if (h!.services.db.bots.activeOrders(bot.id).some((o) => o.status === "sent" || o.status === "open")) {
          h!.fake.ws.faults.inject({ kind: "drop", times: 4 }, "user");
          h!.fake.ws.cut("user");
          cuts++;
        }
      },
    });
    await until(() => h!.services.db.bots.activeOrders(bot.id).length === 0, 10_000, "orders to settle");
    expect(cuts).toBeGreaterThan(2);
    const expected = backtestOf(flow, h);
    expect((await h.caller.bots.get({ id: bot.id })).trades.map(tradeTuple)).toEqual(expected.trades.map(tradeTuple));
    // Every trade of the account is journalled once.
    const fills = h.services.db.bots.fills(bot.id);
    expect(fills.map((f) => f.tradeId).sort()).toEqual(h.fake.engine.trades.map((t) => String(t.id)).sort());
    expect(h.services.db.bots.eventsAfter(0, bot.id, 10_000).some((e) => /orders stream is back/.test(e.message))).toBe(true);
    // The key opened a websocket too (its signed subscription carries the API key): nothing of it is logged.
    expectNoSecrets(leakSites(h), [h.fake.keys.trade!.apiKey, h.fake.keys.trade!.secret]);
  });

  it("duplicated and reordered messages change nothing: the journal equals a run without faults", async () => {
    const run = async (faults: WsFault[]) => {
      const { hh, key } = await live(160);
      const flow = smaFlow(5, 13);
      const bot = await hh.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true });
      await caughtUp(hh, bot.id);
      await streamsUp(hh, bot.id);
      for (const f of faults) hh.fake.ws.faults.inject(f);
      await stepAll(hh, bot.id, 160);
      await until(() => hh.services.db.bots.activeOrders(bot.id).length === 0, 10_000, "orders to settle");
      hh.fake.ws.faults.clear();
      const out = { journal: journalOf(hh, bot.id), trades: (await hh.caller.bots.get({ id: bot.id })).trades.map(tradeTuple), candles: hh.services.db.bots.candles(bot.id).map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume]) };
      await hh.close();
      return out;
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
  }, 60_000);

  it("bots on one key share one websocket connection per stream, closed when the last bot stops", async () => {
    const { hh, key } = await live(60);
    h = hh;
    const a = await h.caller.bots.deploy({ flow: smaFlow(5, 13), mode: "live", keyId: key.id, confirmLive: true });
    const flowEth = smaFlow(4, 9);
    flowEth.market = { exchange: "binance", symbol: "ETH/USDT", timeframe: "1m" };
    const b = await h.caller.bots.deploy({ flow: flowEth, mode: "live", keyId: key.id, confirmLive: true });
    await Promise.all([streamsUp(h, a.id), streamsUp(h, b.id)]);
    expect(h.fake.ws.connections("user")).toBe(1);
    expect(h.fake.ws.connections("market")).toBe(1);
    await h.caller.bots.stop({ id: a.id });
    await until(() => !h!.services.db.bots.get(a.id)?.lease, 10_000, "the first bot's runner to end");
    expect(h.fake.ws.connections("user")).toBe(1);
    await h.caller.bots.stop({ id: b.id });
    await until(() => h!.fake.ws.connections() === 0, 10_000, "the connections to close");
  });

  it("spends at most a tenth of polling's REST requests per minute while streams are healthy (counted at the fake)", async () => {
    const perMinute = async (streams: boolean) => {
      const { hh, key } = await live(80, { pollMs: 100, streams });
      const flow = smaFlow(5, 13);
      const bot = await hh.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true });
      await caughtUp(hh, bot.id);
      if (streams) await streamsUp(hh, bot.id);
      hh.fake.stats.reset();
      const t0 = performance.now();
      // The same run: a candle every 300 ms (25 candles), each processed before the next.
      while (hh.fake.engine.closed < 30) {
        const due = t0 + (hh.fake.engine.closed - 4) * 300;
        await until(() => performance.now() >= due, 5000, "the next candle's time");
        hh.fake.advance();
        await caughtUp(hh, bot.id);
      }
      const minutes = (performance.now() - t0) / 60_000;
      const n = hh.fake.stats.count();
      const shown = hh.services.db.bots.get(bot.id)?.health?.delivery;
      await hh.close();
      return { rate: n / minutes, n, shown };
    };
    const polling = await perMinute(false);
    const streaming = await perMinute(true);
    if (process.env.KEYFLOW_PRINT_RATES) console.info(JSON.stringify({ polling, streaming }));
    expect(polling.n).toBeGreaterThan(50);
    expect(streaming.rate).toBeLessThanOrEqual(polling.rate / 10);
    // The bot page's figures: channel and requests per minute of this bot.
    expect(streaming.shown).toMatchObject({ candles: "stream", orders: "stream" });
    expect(polling.shown).toMatchObject({ candles: "poll", orders: "poll" });
    expect(polling.shown!.requestsPerMinute).toBeGreaterThan(streaming.shown!.requestsPerMinute);
  }, 90_000);
});
