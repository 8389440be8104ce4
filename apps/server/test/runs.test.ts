// Runs a person keeps: renamed and pinned runs, and the retention that removes old ones but never a
// pinned one or one still running.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { template, testServices, userErrorOf } from "./helpers";

let t: ReturnType<typeof testServices>;
beforeAll(() => {
  t = testServices({ demo: true, backtests: { concurrency: 1 } });
  t.services.config.keepRuns = 2;
}, 120_000);
afterAll(async () => {
  await t.close();
});

async function runOnce(strategyId: string, fee: number): Promise<string> {
  const started = await t.caller.backtests.run({ strategyId, market: { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" }, settings: { feeRate: fee } });
  for await (const e of await t.caller.backtests.progress({ runId: started.runId })) if (e.status !== "queued" && e.status !== "running") break;
  return started.runId;
}

describe("runs", () => {
  it("can be renamed and pinned; retention keeps the newest and every pinned run", async () => {
    const s = await t.caller.strategies.create({ flow: template("sma-cross") });
    const first = await runOnce(s.id, 0.001);
    await t.caller.backtests.pin({ runId: first, pinned: true });
    await t.caller.backtests.rename({ runId: first, name: "  Baseline, fee 0.1 %  " });
    const others: string[] = [];
    for (const fee of [0.002, 0.003, 0.004]) others.push(await runOnce(s.id, fee));
    const left = await t.caller.backtests.listForStrategy({ strategyId: s.id });
    // Kept: the pinned first run and the two newest; the 0.002 run went when the 0.004 one started.
    expect(left.map((r) => r.id).sort()).toEqual([first, others[1]!, others[2]!].sort());
    expect(left.find((r) => r.id === first)).toMatchObject({ name: "Baseline, fee 0.1 %", pinned: true });
    await userErrorOf(t.caller.backtests.get({ runId: others[0]! })).then((e) => expect(e.kind).toBe("notFound"));

    await t.caller.backtests.pin({ runId: first, pinned: false });
    await t.caller.backtests.rename({ runId: first, name: null });
    await runOnce(s.id, 0.005);
    const after = await t.caller.backtests.listForStrategy({ strategyId: s.id });
    expect(after).toHaveLength(2);
    expect(after.some((r) => r.id === first)).toBe(false);
  });

  it("refuses a hostile name and an unknown run with what to do", async () => {
    expect(await userErrorOf(t.caller.backtests.rename({ runId: "nope", name: "x" }))).toMatchObject({ kind: "notFound" });
    expect((await userErrorOf(t.caller.backtests.rename({ runId: "nope", name: "\u202Eevil" }))).message).toMatch(/text-direction override/);
  });
});
