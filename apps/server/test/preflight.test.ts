// A live bot's pre-flight: the exchange's balance, market limits and fees against the bot's budget,
// limits and sizing; each refusal says what to change, and a refused bot is not deployed or started.
import { warmupNeed, type EntryRule } from "@keyflow/core";
import type { ExchangeKey } from "@keyflow/db";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { judge, judgeGroup, type PreflightInput } from "../src/bots/preflight";
import { harness, smaFlow, template, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const NOW = Date.UTC(2026, 11, 1);
const key = { exchange: "binance", label: "main", createdAt: NOW - 10 * 86_400_000, rotatedAt: null, warnings: [] } as unknown as ExchangeKey;
// A whole rule, not a cast: a field added to EntryRule must be given here too.
const entry = (sizing: EntryRule["sizing"], stops: Partial<Pick<EntryRule, "stopLossPct" | "takeProfitPct" | "trailingPct">> = {}): EntryRule => ({
  type: "market",
  signalSlot: 0,
  sizing,
  offsetPct: 0,
  validBars: 0,
  fillOnTouch: false,
  stopLossPct: NaN,
  takeProfitPct: NaN,
  trailingPct: NaN,
  takeProfitSteps: [],
  safetyOrders: null,
  maxPosition: null,
  ...stops,
});
const input = (over: Partial<PreflightInput> = {}): PreflightInput => ({
  key,
  symbol: "BTC/USDT",
  budget: 1000,
  cashNeeded: 1000,
  feeRate: 0.001,
  risk: { maxOrderValue: 1000, maxPosition: null, maxDailyLoss: null, maxOrdersPerHour: null },
  entries: [entry({ mode: "percentEquity", value: 100 })],
  warmupBars: 500,
  warmup: { bars: 0, kind: null, period: null, recursive: false },
  probation: null,
  ...over,
});
const facts = { quote: "USDT", freeQuote: 5000, minAmount: 0.00001, minOrderValue: 5, amountStep: 0.00001, priceStep: 0.01, takerFee: 0.001, restingStops: "stop" as const };

describe("judge", () => {
  it("passes a bot that fits the account and the market", () => {
    const pf = judge(input(), NOW, facts);
    expect(pf).toMatchObject({ ok: true, refusals: [], warnings: [] });
    expect(pf.numbers).toMatchObject({ freeQuote: 5000, budget: 1000, firstOrderValues: [1000], minOrderValue: 5, takerFee: 0.001, keyAgeDays: 10 });
  });

  it("refuses a budget above the free balance, saying the most it can be", () => {
    const pf = judge(input({ budget: 50_000, cashNeeded: 50_000, risk: { ...input().risk, maxOrderValue: null } }), NOW, { ...facts, freeQuote: 10_000 });
    expect(pf.ok).toBe(false);
    expect(pf.refusals).toEqual(["The budget (50,000 USDT) is above the free USDT balance on binance (10,000 USDT): lower the budget to at most 10,000 USDT, or add funds."]);
  });

  it("refuses a maximum order value above the budget and an entry below the market's smallest order", () => {
    const pf = judge(input({ risk: { ...input().risk, maxOrderValue: 1500 }, entries: [entry({ mode: "quote", value: 3 }), entry({ mode: "base", value: 0.000001 })] }), NOW, facts);
    expect(pf.refusals).toEqual([
      "The maximum order value (1,500 USDT) is above the budget (1,000 USDT): lower it to at most the budget.",
      "Entry 1 would be 3 USDT, below binance's smallest order of 5 USDT for BTC/USDT: raise the budget or the entry's size.",
      "Entry 2 buys 0.000001, below binance's smallest amount of 0.00001 for BTC/USDT: raise the entry's size.",
    ]);
  });

  it("warns about a fee the backtest does not assume and an old key", () => {
    const pf = judge(input({ key: { ...key, createdAt: NOW - 120 * 86_400_000 } as ExchangeKey }), NOW, { ...facts, takerFee: 0.002 });
    expect(pf.ok).toBe(true);
    expect(pf.warnings).toEqual([
      "binance charges a taker fee of 0.2 % on BTC/USDT; the flow's backtest assumes 0.1 %. Set the flow's fee to match, so the backtest says what this bot will pay.",
      'The key "main" is 120 days old: rotate it (Keys → Rotate) — its bots keep running.',
    ]);
  });
});

describe("a group over several markets", () => {
  const market = (symbol: string, minOrderValue: number, takerFee = 0.001) => ({ symbol, minAmount: 0.0001, minOrderValue, amountStep: 0.0001, priceStep: 0.01, takerFee, restingStops: "stop" as const });
  const group = (stake: number) => input({ budget: 1000, cashNeeded: 1000, group: { symbols: ["BTC/USDT", "ETH/USDT", "SOL/USDT"], stake } });
  const account = { quote: "USDT", freeQuote: 5000 };

  it("sizes each entry on the stake of one position and checks it against every market's smallest order", () => {
    const pf = judgeGroup(group(40), NOW, account, [market("BTC/USDT", 5), market("ETH/USDT", 50), market("SOL/USDT", 60, 0.002)]);
    expect(pf.ok).toBe(false);
    expect(pf.numbers.firstOrderValues).toEqual([40]);
    expect(pf.refusals).toEqual([
      "The entry would be 40 USDT, below binance's smallest order of 50 USDT for ETH/USDT: raise the budget per position or the entry's size.",
      "The entry would be 40 USDT, below binance's smallest order of 60 USDT for SOL/USDT: raise the budget per position or the entry's size.",
    ]);
    expect(pf.warnings).toEqual([expect.stringMatching(/^binance charges a taker fee of 0\.2 % on SOL\/USDT/)]);
    expect(pf.numbers.markets!.map((m) => m.symbol)).toEqual(["BTC/USDT", "ETH/USDT", "SOL/USDT"]);
    expect(judgeGroup(group(100), NOW, account, [market("BTC/USDT", 5), market("ETH/USDT", 50), market("SOL/USDT", 60)]).ok).toBe(true);
  });

  it("judges the account once against the group's shared budget", () => {
    const pf = judgeGroup(group(500), NOW, { ...account, freeQuote: 300 }, [market("BTC/USDT", 5), market("ETH/USDT", 5)]);
    expect(pf.refusals).toEqual([expect.stringMatching(/^The budget \(1,000 USDT\) is above the free USDT balance on binance \(300 USDT\)/)]);
  });

  it("caps a new live group's entries at a fraction of the budget per position, not of the whole budget", () => {
    const pf = judgeGroup({ ...group(500), probation: { fraction: 0.1, trades: 5, days: 7 } }, NOW, account, [market("BTC/USDT", 5), market("ETH/USDT", 60)]);
    expect(pf.numbers.probation).toMatchObject({ fraction: 0.1, cap: 50 });
    expect(pf.numbers.firstOrderValues).toEqual([50]);
    expect(pf.refusals).toEqual(["The entry would be 50 USDT (the probation cap), below binance's smallest order of 60 USDT for ETH/USDT: raise the budget per position or the entry's size."]);
    expect(pf.warnings[0]).toMatch(/^Starting small: each entry is capped at 10 % of the budget per position \(50 USDT\)/);
  });
});

describe("warm-up of recursive indicators", () => {
  const rsiFlow = () => ({ ...template("rsi-reversion"), market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" as const } });

  it("asks for several times the period of an EMA, RSI or ADX, through chains of blocks", () => {
    const need = (kind: string, params: Record<string, unknown>, chained?: { kind: string; params: Record<string, unknown> }) =>
      warmupNeed({ format: "keyflow.spec", version: 1, nodes: [{ kind: "price", params: {}, inputs: [] }, { kind, params, inputs: [{ node: 0, port: 0 }] }, ...(chained ? [{ ...chained, inputs: [{ node: 1, port: 0 }] }] : [])] });
    expect(need("ema", { period: 50 })).toMatchObject({ bars: 200, kind: "ema", period: 50, recursive: true });
    expect(need("rsi", { period: 14 })).toMatchObject({ bars: 112, kind: "rsi", recursive: true });
    expect(need("adx", { period: 14 })).toMatchObject({ bars: 224, recursive: true });
    // An EMA of an RSI settles only once both have: their lengths add up.
    expect(need("rsi", { period: 14 }, { kind: "ema", params: { period: 10 } })).toMatchObject({ bars: 152, kind: "ema", recursive: true });
    // Windowed indicators are exact after their window: nothing recursive to cover.
    expect(need("sma", { period: 200 })).toMatchObject({ recursive: false });
  });

  it("refuses a warm-up shorter than the flow's RSI needs, saying how long it must be", () => {
    const pf = judge(input({ warmupBars: 50, warmup: { bars: 112, kind: "rsi", period: 14, recursive: true } }), NOW, facts);
    expect(pf.ok).toBe(false);
    expect(pf.refusals).toEqual([expect.stringMatching(/^The warm-up \(50 candles\) is shorter than the RSI \(period 14\) needs to settle \(112 candles.*set the warm-up to at least 112 candles\.$/)]);
    expect(pf.numbers).toMatchObject({ warmupBars: 50, warmupNeeded: 112 });
    expect(judge(input({ warmupBars: 112, warmup: { bars: 112, kind: "rsi", period: 14, recursive: true } }), NOW, facts).ok).toBe(true);
  });

  it("the deploy's pre-flight computes it from the flow", async () => {
    const hh = (h = await harness({ fake: { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 1, 1), count: 300, seed: 2 }) }, closedAtStart: 60, balances: { USDT: 100_000, BTC: 0 }, feeRate: 0.001 } }));
    const k = hh.fake.keys.trade!;
    const keyView = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
    const shown = await hh.caller.bots.preflight({ flow: rsiFlow(), mode: "live", keyId: keyView.id, warmupBars: 60 });
    expect(shown.ok).toBe(false);
    expect(shown.numbers).toMatchObject({ warmupBars: 60, warmupNeeded: 112 });
    expect((await hh.caller.bots.preflight({ flow: rsiFlow(), mode: "live", keyId: keyView.id })).numbers).toMatchObject({ warmupBars: 500, warmupNeeded: 112 });
  });
});

describe("where the stops execute", () => {
  const guarded = [entry({ mode: "percentEquity", value: 100 }, { stopLossPct: 2, takeProfitPct: 5 })];
  it("says that stops are checked on closed candles where the exchange holds no stop orders", () => {
    const pf = judge(input({ entries: guarded }), NOW, { ...facts, restingStops: null });
    expect(pf.ok).toBe(true);
    expect(pf.warnings).toEqual([expect.stringMatching(/^binance cannot hold stop orders for BTC\/USDT: this bot checks its stop loss, take profit and trailing stop when each candle closes/)]);
  });

  it("says the take profit is checked on candles when only one stop order can rest, and nothing with an OCO or without stops", () => {
    expect(judge(input({ entries: guarded }), NOW, facts).warnings).toEqual([expect.stringMatching(/^The stop loss \(or trailing stop\) rests on binance as a stop order; the take profit is checked when each candle closes/)]);
    expect(judge(input({ entries: guarded }), NOW, { ...facts, restingStops: "oco" }).warnings).toEqual([]);
    expect(judge(input(), NOW, { ...facts, restingStops: null }).warnings).toEqual([]);
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("live deploy and start", () => {
  it("are refused when the budget is above the account's free balance, and nothing is deployed", async () => {
    const hh = (h = await harness({ fake: { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 1, 1), count: 300, seed: 2 }) }, closedAtStart: 60, balances: { USDT: 10_000, BTC: 0 }, feeRate: 0.001 } }));
    const k = hh.fake.keys.trade!;
    const keyView = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
    const flow = smaFlow(2, 5, { initialCash: 50_000 });
    const shown = await hh.caller.bots.preflight({ flow, mode: "live", keyId: keyView.id, risk: { maxOrderValue: 50_000 } });
    expect(shown.numbers).toMatchObject({ freeQuote: 10_000, budget: 50_000, quote: "USDT" });
    expect(shown.ok).toBe(false);
    const refused = await userErrorOf(hh.caller.bots.deploy({ flow, mode: "live", keyId: keyView.id, confirmLive: true, risk: { maxOrderValue: 50_000 } }));
    expect(refused).toMatchObject({ kind: "preflight", refusals: [expect.stringMatching(/^The budget \(50,000 USDT\) is above the free USDT balance on binance \(10,000 USDT\)/)] });
    expect(await hh.caller.bots.list()).toEqual([]);

    // Within the balance it deploys; when the funds go away, a start is refused the same way.
    const ok = await hh.caller.bots.deploy({ flow: smaFlow(2, 5, { initialCash: 5_000 }), mode: "live", keyId: keyView.id, confirmLive: true, risk: { maxOrderValue: 5_000 }, start: false });
    expect(ok.preflight?.ok).toBe(true);
    hh.fake.setBalance("USDT", 100);
    expect(await userErrorOf(hh.caller.bots.start({ id: ok.id }))).toMatchObject({ kind: "preflight", refusals: [expect.stringMatching(/^The budget \(5,000 USDT\) is above the free USDT balance on binance \(100 USDT\): lower the budget to at most 100 USDT/)] });
    expect((await hh.caller.bots.get({ id: ok.id })).status).toBe("stopped");
  });
});
