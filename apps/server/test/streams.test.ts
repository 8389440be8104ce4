// Bots on Binance's websocket streams (issue 19): a paper bot fed by the candle stream trades what the
// backtest trades; bots on one key share one connection per stream. The cases every venue passes
// (fill latency, a cut, duplicates and reordering, the REST rate) are in streamCases.ts, run for
// Binance by streamsVenues.binance.test.ts.
import { backtest, compile } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, harness, smaFlow, streamsUp, until, type Harness } from "./botHelpers";

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
});
