// Start small: a new live bot's entries stay within a fraction of its budget until the person lifts
// the cap; Keyflow asks for that after N closed trades or D days, and only the person lifts it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { DEFAULT_PROBATION, probationCap, probationFromEnv, startProbation } from "../src/bots/probation";
import { caughtUp, harness, smaFlow, type Harness } from "./botHelpers";
import { userErrorOf } from "./helpers";

const START = Date.UTC(2024, 0, 1);
const COUNT = 200;
const TERMS = { fraction: 0.1, trades: 2, days: 7 };
const BUDGET = 10_000;
const CAP = TERMS.fraction * BUDGET;

describe("probation terms", () => {
  it("default to 10 % of the budget for 5 closed trades or 7 days; KEYFLOW_PROBATION sets or switches them off", () => {
    expect(probationFromEnv(undefined)).toEqual({ fraction: 0.1, trades: 5, days: 7 });
    expect(DEFAULT_PROBATION).toEqual({ fraction: 0.1, trades: 5, days: 7 });
    expect(probationFromEnv("25%/3/2")).toEqual({ fraction: 0.25, trades: 3, days: 2 });
    expect(probationFromEnv("off")).toBeNull();
    expect(() => probationFromEnv("150%/3/2")).toThrow(/KEYFLOW_PROBATION must be/);
    expect(() => probationFromEnv("10")).toThrow(/KEYFLOW_PROBATION must be/);
  });

  it("cap entries until lifted, whatever the progress", () => {
    const p = startProbation(TERMS, 1000);
    expect(p.until).toBe(1000 + 7 * 86_400_000);
    expect(probationCap(p, BUDGET)).toBe(CAP);
    expect(probationCap({ ...p, askedAt: 5000 }, BUDGET)).toBe(CAP);
    expect(probationCap({ ...p, liftedAt: 6000 }, BUDGET)).toBeNull();
    expect(probationCap(null, BUDGET)).toBeNull();
  });
});

describe("a new live bot on probation (fake Binance)", () => {
  let h: Harness;
  let keyId: string;
  beforeAll(async () => {
    h = await harness({
      fake: { candles: { BTCUSDT: makeCandles({ start: START, count: COUNT, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: COUNT, seed: 8, startPrice: 2000 }) }, closedAtStart: 5, balances: { USDT: 1_000_000, BTC: 0, ETH: 0 } },
      bots: { probation: TERMS },
    });
    const k = h.fake.keys.trade!;
    keyId = (await h.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret })).id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const closeAt = (t: number) => h.fake.engine.closedCandles("BTCUSDT").find((c) => c[0] === t)![4];
  /** Each buy the bot sent, valued at the close of the candle it was decided on (the price its risk check used). */
  const buyValues = (botId: string) =>
    h.services.db.bots
      .allOrders(botId)
      .filter((o) => o.side === "buy" && o.status !== "rejected")
      .map((o) => ({ value: o.amount * closeAt(o.barTime), at: o.createdAt }));
  const step = async (botId: string, n: number) => {
    for (let i = 0; i < n && h.fake.engine.closed < COUNT; i++) {
      h.fake.advance();
      await caughtUp(h, botId);
    }
  };

  it("shows the cap in the pre-flight, and sizes the first entry to it", async () => {
    const pf = await h.caller.bots.preflight({ flow: smaFlow(5, 13), mode: "live", keyId, confirmLive: true });
    expect(pf.numbers.probation).toEqual({ ...TERMS, cap: CAP });
    expect(pf.numbers.firstOrderValues).toEqual([CAP]);
    expect(pf.warnings.join(" ")).toMatch(/Starting small: each entry is capped at 10 % of the budget \(1,000 USDT\) until you lift the cap; Keyflow asks you after 2 closed trades or 7 days/);
  });

  it("never sends an entry above the cap, asks to lift it after N trades, keeps it until the person lifts it, then trades full size", async () => {
    const bot = await h.caller.bots.deploy({ flow: smaFlow(5, 13), mode: "live", keyId, confirmLive: true, name: "small first" });
    expect(bot.probation).toMatchObject({ fraction: 0.1, cap: CAP, trades: 2, ready: false, askedAt: null, liftedAt: null });

    // Not before N trades or D days: the person cannot lift it yet.
    const early = await userErrorOf(h.caller.bots.liftCap({ id: bot.id }));
    expect(early.message).toMatch(/The cap can be lifted after 2 closed trades or on \d{4}-\d{2}-\d{2}/);

    await caughtUp(h, bot.id);
    while ((await h.caller.bots.get({ id: bot.id })).probation!.askedAt === null) {
      if (h.fake.engine.closed >= COUNT) throw new Error("the bot never completed its probation");
      await step(bot.id, 1);
    }
    const asked = await h.caller.bots.get({ id: bot.id });
    expect(asked.trades.length).toBe(2);
    expect(asked.probation).toMatchObject({ ready: true, liftedAt: null, results: { closedTrades: 2 } });
    const events = h.services.db.bots.recentEvents(bot.id, 500).map((e) => e.message);
    expect(events.filter((m) => m.startsWith("Probation complete")).length).toBe(1);
    // …and how the live trading compares with the backtest on the candles the bot received (the drift report).
    expect(events.join("\n")).toMatch(/Against the backtest on the same candles: (\d+) of \1 fills on the same candle and side \(100 %\)/);
    expect(events.join("\n")).toMatch(/Probation complete after 2 closed trades: 2 closed trades, \d won, [+-][\d,.]+ USDT .*until you lift the cap: "Lift cap" on the bot, or keyflow bots lift-cap/);

    // Asked, not lifted: the next entries stay capped.
    const askedAt = asked.probation!.askedAt!;
    while (!buyValues(bot.id).some((b) => b.at > askedAt) && h.fake.engine.closed < COUNT - 40) await step(bot.id, 1);
    expect(buyValues(bot.id).some((b) => b.at > askedAt)).toBe(true);
    const capped = buyValues(bot.id);
    expect(capped.length).toBeGreaterThanOrEqual(3);
    for (const b of capped) expect(b.value).toBeLessThanOrEqual(CAP + 1e-6);
    // Sized to the cap, not below it by more than one amount step.
    for (const b of capped) expect(b.value).toBeGreaterThan(CAP * 0.99);

    // The person lifts it: full size from the next entry.
    const lifted = await h.caller.bots.liftCap({ id: bot.id });
    expect(lifted.probation).toMatchObject({ liftedAt: expect.any(Number) });
    expect(await userErrorOf(h.caller.bots.liftCap({ id: bot.id }))).toMatchObject({ kind: "input" });
    const n = buyValues(bot.id).length;
    while (buyValues(bot.id).length === n && h.fake.engine.closed < COUNT) await step(bot.id, 1);
    const after = buyValues(bot.id).slice(n);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!.value).toBeGreaterThan(CAP * 5);
    await h.caller.bots.stop({ id: bot.id });
  });

  it("does not apply to paper bots", async () => {
    const bot = await h.caller.bots.deploy({ flow: smaFlow(5, 13), mode: "paper", name: "paper", start: false });
    expect(bot.probation).toBeNull();
    expect(await userErrorOf(h.caller.bots.liftCap({ id: bot.id }))).toMatchObject({ kind: "input" });
  });
});

describe("KEYFLOW_PROBATION=off", () => {
  it("deploys live bots at full size", async () => {
    const h = await harness({ bots: { probation: null } });
    try {
      const k = h.fake.keys.trade!;
      const key = await h.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
      const bot = await h.caller.bots.deploy({ flow: smaFlow(5, 13), mode: "live", keyId: key.id, confirmLive: true, start: false });
      expect(bot.probation).toBeNull();
    } finally {
      await h.close();
    }
  });
});
