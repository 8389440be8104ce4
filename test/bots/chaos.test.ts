// `keyflow serve` killed again and again under exchange faults (see chaos.ts): nothing twice, nothing
// lost, the position the exchange holds, the rate limit kept, no secret or signature printed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles } from "../fake-exchange/index";
import { chaosRun } from "./chaos";
import { processHarness, type ProcessHarness } from "./harness";

const KILLS = Number(process.env.KEYFLOW_CHAOS_KILLS ?? 10);
const SEED = Number(process.env.KEYFLOW_CHAOS_SEED ?? 20261201);
const START = Date.UTC(2024, 9, 1);

let h: ProcessHarness;

beforeAll(async () => {
  h = await processHarness({ candles: { BTCUSDT: makeCandles({ start: START, count: 3000, seed: 13 }) }, closedAtStart: 60, balances: { USDT: 1_000_000, BTC: 0 }, feeRate: 0.001 });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe(`chaos: ${KILLS} SIGKILLs of keyflow serve under exchange faults`, () => {
  it("never places an order twice, journals every fill, ends with the exchange's position, keeps the rate limit and prints no secret", async () => {
    const r = await chaosRun(h, { kills: KILLS, seed: SEED });
    if (process.env.KEYFLOW_CHAOS_DEBUG) console.log(r.output.slice(0, 3000));
    console.log(`chaos: ${r.kills} kills, ${r.faults} faults, ${r.partials} partial-fill scripts, ${h.fake.engine.orders.length} orders, ${h.fake.engine.trades.length} fills, at most ${r.maxRequestsInWindow} requests in a window`);
    expect(r.duplicates).toEqual([]);
    expect(r.lostFills).toEqual([]);
    expect(r.inventedFills).toEqual([]);
    expect(h.fake.engine.trades.length).toBeGreaterThan(0);
    expect(r.position).toBeCloseTo(r.balance, 8);
    expect(r.maxRequestsInWindow).toBeLessThanOrEqual(Number((h.env.KEYFLOW_RATE_LIMIT ?? "40/1000").split("/")[0]));
    for (const secret of [h.fake.keys.trade!.secret, h.fake.keys.trade!.apiKey]) expect(r.output.includes(secret)).toBe(false);
    expect(r.output).not.toMatch(/signature=(?!\[redacted\])|recvWindow=\d|[?&]timestamp=\d|<html/i);
  }, 600_000);
});
