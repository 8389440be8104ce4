// A paper bot over several markets (a flow with a portfolio) on the loopback fake exchange: it trades
// what the portfolio backtest trades on the same candles, with the markets competing for one slot.
import { compile, portfolioBacktest } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_SYMBOLS, makeCandles } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, harness, smaFlow, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const START = Date.UTC(2024, 0, 1);
const candles = (count: number) => ({ BTCUSDT: makeCandles({ start: START, count, seed: 7 }), ETHUSDT: makeCandles({ start: START, count, seed: 8, startPrice: 2000 }) });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function groupFlow(maxOpenPositions: number) {
  return { ...smaFlow(5, 13), portfolio: { symbols: ["BTC/USDT", "ETH/USDT"], maxOpenPositions, budgetPerPosition: 6000 } };
}

function portfolioOf(flow: ReturnType<typeof groupFlow>, hh: Harness) {
  const c = compile(flow);
  if (!c.ok) throw new Error("flow does not compile");
  const markets = [
    { symbol: "BTC/USDT", candles: closedCandles(hh.fake, "BTCUSDT") },
    { symbol: "ETH/USDT", candles: closedCandles(hh.fake, "ETHUSDT") },
  ];
  return portfolioBacktest(c.spec, markets, flow.settings, flow.portfolio, { timeframeMs: 60_000 });
}

async function runToEnd(hh: Harness, botId: string, total: number, seed: number) {
  await caughtUp(hh, botId);
  // Candles close in bursts of random size, as after pauses; the group catches up close by close.
  while (hh.fake.engine.closed < total) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    hh.fake.advance(Math.min(total - hh.fake.engine.closed, 1 + (seed % 23)));
    await caughtUp(hh, botId);
  }
}

describe("bot over several markets", () => {
  it("trades exactly the portfolio backtest on the same candles, with two markets competing for one slot", async () => {
    h = await harness({ fake: { candles: candles(400), closedAtStart: 5 } });
    const flow = groupFlow(1);
    const bot = await h.caller.bots.deploy({ flow });
    expect(bot.name).toContain("BTC/USDT + ETH/USDT");
    await runToEnd(h, bot.id, 400, 11);
    const expected = portfolioOf(flow, h);
    const [btc, eth] = expected.markets;
    expect(btc!.trades.length).toBeGreaterThan(3);
    expect(eth!.trades.length).toBeGreaterThan(3);
    expect(btc!.skippedEntries + eth!.skippedEntries).toBeGreaterThan(0);
    const got = await h.caller.bots.get({ id: bot.id });
    expect(got.markets!.map((m) => m.symbol)).toEqual(["BTC/USDT", "ETH/USDT"]);
    expect(got.markets![0]!.trades).toEqual(btc!.trades);
    expect(got.markets![1]!.trades).toEqual(eth!.trades);
    expect(got.markets!.map((m) => m.position?.skippedEntries)).toEqual([btc!.skippedEntries, eth!.skippedEntries]);
    expect(got.trades).toHaveLength(btc!.trades.length + eth!.trades.length);
    expect(got.equity).toBeCloseTo(expected.metrics.finalEquity, 6);
    // Never two positions at once: each entry comes after the previous exit, whatever the market.
    const spans = got.trades.map((t) => [t.entryTime, t.exitTime] as const).sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < spans.length; k++) expect(spans[k]![0]).toBeGreaterThan(spans[k - 1]![1]);
    // The kill switch stops the group as one bot.
    expect(await h.caller.bots.stopAll()).toMatchObject({ stopped: 1, errors: [] });
    expect((await h.caller.bots.get({ id: bot.id })).status).toBe("stopped");
  });

  it("resumes after a restart with the same state", async () => {
    h = await harness({ fake: { candles: candles(300), closedAtStart: 5 } });
    const flow = groupFlow(2);
    const bot = await h.caller.bots.deploy({ flow });
    await caughtUp(h, bot.id);
    h.fake.advance(150);
    await caughtUp(h, bot.id);
    await h.services.bots.shutdown();
    const { BotManager } = await import("../src/bots/manager");
    const manager = new BotManager(h.services.db, h.services.keys, { exchange: h.services.config.exchange!, settings: h.services.config.bots! });
    try {
      h.fake.advance(145);
      await caughtUp(h, bot.id);
      const expected = portfolioOf(flow, h);
      const got = manager.get(bot.id);
      expect(got.markets![0]!.trades).toEqual(expected.markets[0]!.trades);
      expect(got.markets![1]!.trades).toEqual(expected.markets[1]!.trades);
      expect(got.equity).toBeCloseTo(expected.metrics.finalEquity, 6);
    } finally {
      await manager.shutdown();
    }
  });

  it("has its pre-flight judge every market's limits against the budget per position", async () => {
    const symbols = DEFAULT_SYMBOLS.map((s) => (s.symbol === "ETHUSDT" ? { ...s, minNotional: 7000 } : s));
    h = await harness({ fake: { symbols, candles: candles(50), closedAtStart: 5, balances: { USDT: 100_000 }, feeRate: 0.001 } });
    const k = h.fake.keys.trade!;
    const keyView = await h.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
    const pf = await h.caller.bots.preflight({ flow: groupFlow(1), mode: "live", keyId: keyView.id, risk: { maxOrderValue: 6000 } });
    expect(pf.numbers).toMatchObject({ budget: 10_000, firstOrderValues: [6000], freeQuote: 100_000 });
    expect(pf.numbers.markets!.map((m) => [m.symbol, m.minOrderValue])).toEqual([
      ["BTC/USDT", 5],
      ["ETH/USDT", 7000],
    ]);
    expect(pf.refusals).toEqual(["The entry would be 6,000 USDT, below binance's smallest order of 7,000 USDT for ETH/USDT: raise the budget per position or the entry's size."]);
    // Deploying it live runs the same pre-flight, which refuses it: nothing is deployed.
    const e = await userErrorOf(h.caller.bots.deploy({ flow: groupFlow(1), mode: "live", keyId: keyView.id, confirmLive: true, risk: { maxOrderValue: 6000 } }));
    expect(e).toMatchObject({ kind: "preflight", refusals: pf.refusals });
    expect(await h.caller.bots.list()).toEqual([]);
    // A key that may not trade live is refused for a group as for one market.
    const ro = await h.caller.keys.add({ exchange: "binance", apiKey: h.fake.keys.readOnly!.apiKey, secret: h.fake.keys.readOnly!.secret });
    const roomy = { ...groupFlow(1), portfolio: { ...groupFlow(1).portfolio, budgetPerPosition: 8000 } };
    expect(await userErrorOf(h.caller.bots.deploy({ flow: roomy, mode: "live", keyId: ro.id, confirmLive: true }))).toMatchObject({ kind: "key", reason: "permission" });
    expect(await h.caller.bots.list()).toEqual([]);
  });
});
