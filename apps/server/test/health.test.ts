// A bot's one state, from its cause: never green while it cannot reach its exchange, while an order
// is refused for lack of funds, or while candles stop arriving.
import type { Bot } from "@keyflow/db";
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { botState } from "../src/bots/health";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";

const NOW = Date.UTC(2026, 11, 1, 12, 0);
const base: Parameters<typeof botState>[0] = {
  status: "running",
  haltReason: null,
  health: { state: "running", reason: null, since: NOW - 60_000 },
  lease: { pid: 1, host: "h", token: "t", until: NOW + 30_000 },
  stoppedAt: null,
};

describe("botState", () => {
  it("combines what the person asked for with what the runner saw", () => {
    expect(botState(base, NOW)).toEqual({ state: "running", reason: null });
    expect(botState({ ...base, status: "stopped", stoppedAt: NOW }, NOW).state).toBe("stopped");
    expect(botState({ ...base, status: "halted", haltReason: "Daily loss limit reached" }, NOW)).toEqual({ state: "halted", reason: "Daily loss limit reached" });
    expect(botState({ ...base, lease: null }, NOW)).toMatchObject({ state: "starting", reason: expect.stringMatching(/Waiting for a Keyflow process/) });
    expect(botState({ ...base, lease: { ...base.lease!, until: NOW - 1 } }, NOW).state).toBe("starting");
    expect(botState({ ...base, health: { state: "warming", reason: "Loading", since: NOW } }, NOW)).toEqual({ state: "warming up", reason: "Loading" });
    expect(botState({ ...base, health: { state: "degraded", reason: "Can't reach binance", since: NOW } }, NOW)).toEqual({ state: "degraded", reason: "Can't reach binance" });
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const fake = () => ({ candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 1, 1), count: 800, seed: 17 }) }, closedAtStart: 60, balances: { USDT: 1_000_000, BTC: 0 }, feeRate: 0.001 });
const view = (hh: Harness, id: string) => hh.caller.bots.get({ id });

describe("health of running bots", () => {
  it("a paper bot that cannot reach its exchange is degraded, says since when, and recovers", async () => {
    const hh = (h = await harness({ fake: fake() }));
    const bot = await hh.caller.bots.deploy({ flow: smaFlow(3, 8), warmupBars: 30 });
    await caughtUp(hh, bot.id);
    await until(async () => (await view(hh, bot.id)).state === "running", 10_000, "running");
    // Unreachable: REST answers 503 and the websocket is cut and refused (the bot falls back to polling, which fails too).
    hh.fake.faults.inject({ kind: "status", status: 503 }, { path: "/api/v3/klines", times: 1_000_000 });
    hh.fake.ws.refuse(true);
    hh.fake.ws.cut();
    hh.fake.advance();
    const down = await until(async () => ((await view(hh, bot.id)).state === "degraded" ? view(hh, bot.id) : null), 20_000, "degraded");
    expect(down.stateReason).toMatch(/^Can't reach binance since \d{4}-\d\d-\d\d \d\d:\d\d UTC — retrying every \d+ s/);
    expect(down.status).toBe("running");
    hh.fake.faults.clear();
    hh.fake.ws.refuse(false);
    await until(async () => (await view(hh, bot.id)).state === "running", 20_000, "recovered");
    await caughtUp(hh, bot.id);
  });

  it("a live bot whose entry is refused for lack of funds is degraded with the numbers until an order goes through", async () => {
    const hh = (h = await harness({ fake: fake() }));
    const k = hh.fake.keys.trade!;
    const key = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
    const bot = await hh.caller.bots.deploy({ flow: smaFlow(2, 5), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 30 });
    await caughtUp(hh, bot.id);
    hh.fake.setBalance("USDT", 100);
    let degraded: Awaited<ReturnType<typeof view>> | null = null;
    for (let i = 0; i < 100 && !degraded; i++) {
      hh.fake.advance();
      await caughtUp(hh, bot.id);
      const v = await view(hh, bot.id);
      if (v.state === "degraded") degraded = v;
    }
    expect(degraded?.stateReason).toMatch(/^Order rejected: insufficient USDT \(need [\d,.]+, have 100\)/);
    // Still degraded after later good polls: only an order that goes through clears it.
    hh.fake.advance();
    await caughtUp(hh, bot.id);
    expect((await view(hh, bot.id)).state).toBe("degraded");
    hh.fake.setBalance("USDT", 1_000_000);
    for (let i = 0; i < 100 && (await view(hh, bot.id)).state !== "running"; i++) {
      hh.fake.advance();
      await caughtUp(hh, bot.id);
    }
    expect((await view(hh, bot.id)).state).toBe("running");
  });
});

// Typed use of the db row shape (keeps the test honest if the row changes).
export type _Row = Pick<Bot, "health">;
