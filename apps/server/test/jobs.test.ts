import { getTemplate } from "@keyflow/core";
import { describe, expect, it } from "vitest";
import { ProgressHub } from "../src/jobs/progressHub";
import { createServices } from "../src/services";
import { tempDir, testServices } from "./helpers";

describe("ProgressHub", () => {
  it("gives a late subscriber the latest state and ends after the final one", async () => {
    const hub = new ProgressHub<number>();
    hub.publish("a", 1);
    hub.publish("a", 2);
    const seen: number[] = [];
    const reading = (async () => {
      for await (const v of hub.subscribe("a")) seen.push(v);
    })();
    await new Promise((r) => setTimeout(r, 10));
    hub.publish("a", 3);
    hub.publish("a", 4, true);
    hub.publish("a", 5); // ignored: already final
    await reading;
    expect(seen[0]).toBe(2);
    expect(seen.at(-1)).toBe(4);
    const again: number[] = [];
    for await (const v of hub.subscribe("a")) again.push(v);
    expect(again).toEqual([4]);
  });

  it("stops a subscription when its signal aborts", async () => {
    const hub = new ProgressHub<number>();
    hub.publish("a", 1);
    const abort = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const v of hub.subscribe("a", abort.signal)) seen.push(v);
    })();
    await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    await reading;
    expect(seen).toEqual([1]);
  });
});

describe("demo market and shutdown", () => {
  it("installs the demo market once, in a few seconds", async () => {
    const dir = tempDir();
    const logs: string[] = [];
    const started = performance.now();
    const first = createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir: dir }, { log: (l) => logs.push(l) });
    const ms = performance.now() - started;
    await first.close();
    expect(logs.some((l) => /Installed the demo market \(548,256 candles\)/.test(l))).toBe(true);
    expect(ms).toBeLessThan(10_000);
    const later: string[] = [];
    const second = createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir: dir }, { log: (l) => later.push(l) });
    expect(later).toEqual([]);
    expect(second.db.candles.list()).toHaveLength(2);
    await second.close();
  }, 60_000);

  it("never leaves a run 'running' after shutdown, and marks runs a crash left behind", async () => {
    const t = testServices({ demo: true });
    const flow = getTemplate("sma-cross")!.flow;
    const runs = [t.caller.backtests.run({ flow }), t.caller.backtests.run({ flow }), t.caller.backtests.run({ flow })];
    const ids = (await Promise.all(runs)).map((r) => r.runId);
    await t.services.backtests.shutdown(0);
    for (const id of ids) expect(["done", "cancelled"]).toContain(t.services.db.backtests.get(id)!.status);
    await expect(t.caller.backtests.run({ flow })).rejects.toThrow(/shutting down/);

    // A run a crashed process left "running" is marked failed at the next start.
    t.services.db.backtests.setStatus(ids[0]!, "running");
    const restarted = createServices(t.services.config, { demo: false });
    expect(restarted.db.backtests.get(ids[0]!)).toMatchObject({ status: "failed", error: expect.stringMatching(/run it again/) });
    await restarted.close();
    await t.close();
  }, 60_000);
});
