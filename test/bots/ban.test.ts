// An exchange ban outlives the process that received it: a bot process killed during a 418 ban,
// and restarted at once, sends nothing until the ban is over (the fake records every arrival).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles } from "../fake-exchange/index";
import { buildCli, busyFlow, processHarness, runBotProcess, until, type ProcessHarness } from "./harness";

const BAN_SEC = 4;
let h: ProcessHarness;
let botId: string;

beforeAll(async () => {
  await buildCli();
  h = await processHarness({ candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 3, 1), count: 500, seed: 4 }) }, closedAtStart: 60, balances: { USDT: 100_000, BTC: 0 } });
  const k = h.fake.keys.trade!;
  const key = await h.services.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  botId = h.services.bots.deploy({ flow: busyFlow(), mode: "live", keyId: key.id, confirmLive: true, start: false, warmupBars: 30 }).id;
  h.services.bots.start(botId, { launch: false });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe("a ban across a restart", () => {
  it("a process started during a 418 ban sends no request before the ban ends", async () => {
    const first = await runBotProcess(h, botId);
    await until("the bot to run", () => /Running bot/.test(first.stderr()), 20_000);
    await until("the bot to catch up", () => h.services.db.bots.get(botId)?.lastBarTime === h.fake.engine.closedCandles("BTCUSDT").at(-1)![0], 20_000);

    h.fake.faults.inject({ kind: "rateLimit", status: 418, retryAfterSec: BAN_SEC });
    await until("the 418", () => h.fake.stats.requests.some((r) => r.outcome === 418), 20_000);
    const banned = h.fake.stats.requests.find((r) => r.outcome === 418)!.at;
    await until("the ban to be stored", () => h.services.db.bans.activeUntil("binance") !== null, 20_000);
    first.child.kill("SIGKILL");
    await first.exited;
    const killedAt = performance.now();
    expect(killedAt - banned).toBeLessThan(BAN_SEC * 1000 - 1000);

    const second = await runBotProcess(h, botId);
    try {
      await until("the bot to run again", () => /Running bot/.test(second.stderr()), 20_000);
      // Candles keep closing; the new process must wait the ban out, then catch up.
      h.fake.advance(2);
      await until("requests after the ban", () => h.fake.stats.requests.some((r) => r.at > killedAt), 20_000);
      const after = h.fake.stats.requests.filter((r) => r.at > killedAt);
      // Retry-After counts from when the answer reached the bot, a little after its arrival at the fake.
      expect(Math.min(...after.map((r) => r.at)) - banned).toBeGreaterThanOrEqual(BAN_SEC * 1000 - 50);
      await until("the restarted bot to catch up", () => h.services.db.bots.get(botId)?.lastBarTime === h.fake.engine.closedCandles("BTCUSDT").at(-1)![0], 20_000);
      expect(h.services.db.bots.recentEvents(botId, 500).map((e) => e.message).join("\n")).not.toMatch(/signature=|recvWindow=|timestamp=\d/);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 60_000);
});
