// Research jobs run a few at a time (the rest queued, visibly), and cancel stops running chunks at
// once, storing the run as cancelled with what it had finished. States and events only, no timing.
import type { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { ComboEvaluator, generateDemoCandles, getTemplate, sweepSpace, type FlowGraph } from "@keyflow/core";
import type { ResearchProgress } from "../src/research/researchJobs";
import type { SweepBackend } from "../src/research/sweepBackend";
import { spawnSweepWorker, threadBackend } from "../src/research/threadBackend";
import { testServices } from "./helpers";

function ranged(fast: number[], slow: number[]): FlowGraph {
  const flow = getTemplate("sma-cross")!.flow;
  return {
    ...flow,
    nodes: flow.nodes.map((n) => (n.id === "fast" ? { ...n, ranges: { period: { values: fast } } } : n.id === "slow" ? { ...n, ranges: { period: { values: slow } } } : n)),
  };
}

const settings = { method: "grid" as const, samples: 1, seed: 1, objective: "equity" as const, constraints: { minTrades: 0 } };

/** A backend whose chunks wait until the test lets them go; it counts the sessions open at once. */
function gatedBackend() {
  const gates: (() => void)[] = [];
  const opened: string[] = [];
  let open = 0;
  let mostOpen = 0;
  let waiters: (() => void)[] = [];
  const changed = () => {
    for (const w of waiters.splice(0)) w();
  };
  const backend: SweepBackend = {
    async open(job) {
      opened.push(job.flow.name);
      mostOpen = Math.max(mostOpen, ++open);
      const evaluator = new ComboEvaluator(job.flow, job.params, job.candles);
      return {
        parallel: 1,
        async runner(chunk) {
          await new Promise<void>((resolve) => {
            gates.push(resolve);
            changed();
          });
          return evaluator.runChunk(chunk);
        },
        peakCacheBytes: async () => 0,
        async close() {
          open--;
        },
      };
    },
    async close() {},
  };
  return {
    backend,
    opened,
    get mostOpen() {
      return mostOpen;
    },
    /** Resolves once `n` chunks are waiting at the gate. */
    async waiting(n: number) {
      while (gates.length < n) await new Promise<void>((r) => waiters.push(r));
    },
    releaseAll() {
      for (const g of gates.splice(0)) g();
    },
    reset() {
      waiters = [];
    },
  };
}

describe("research jobs run concurrently, within a limit", () => {
  const gated = gatedBackend();
  const t = testServices({ demo: true, research: { backend: gated.backend, limit: 2 } });
  afterAll(() => t.close());

  it("two run at once, a third waits as queued and runs when a slot frees; a queued one cancels without running", async () => {
    const start = (name: string) => t.caller.research.start({ flow: { ...ranged([5, 8], [20]), name }, settings });
    const a = await start("A");
    const b = await start("B");
    const c = await start("C");
    const d = await start("D");
    // A and B each have a chunk running at the same time; C and D wait.
    await gated.waiting(2);
    expect(gated.opened).toEqual(["A", "B"]);
    expect(gated.mostOpen).toBe(2);
    expect(t.services.research.current(c.id)!.status).toBe("queued");
    expect((await t.caller.research.get({ id: c.id })).status).toBe("queued");
    expect((await t.caller.research.get({ id: a.id })).status).toBe("running");

    // D is cancelled while queued: stored as cancelled, never opened.
    expect((await t.caller.research.cancel({ id: d.id })).cancelled).toBe(true);
    const dRow = await t.caller.research.get({ id: d.id });
    expect(dRow.status).toBe("cancelled");
    expect(dRow.error).toContain("before it started");

    // C's stream starts queued, then runs and finishes once the others let go.
    const cEvents: ResearchProgress[] = [];
    const following = (async () => {
      for await (const e of await t.caller.research.progress({ id: c.id })) {
        cEvents.push(e);
        if (e.status === "running") gated.releaseAll();
      }
    })();
    while (gated.opened.length < 3) {
      gated.releaseAll();
      await gated.waiting(1);
    }
    gated.releaseAll();
    await following;
    expect(cEvents[0]!.status).toBe("queued");
    expect(cEvents.map((e) => e.status)).toContain("running");
    expect(cEvents.at(-1)!.status).toBe("done");
    expect(gated.opened).toEqual(["A", "B", "C"]);
    expect(gated.mostOpen).toBe(2);
    for (const id of [a.id, b.id, c.id]) {
      while (t.services.research.current(id)!.status === "running") {
        gated.releaseAll();
        await new Promise((r) => setImmediate(r));
      }
      expect((await t.caller.research.get({ id })).status).toBe("done");
    }
  }, 120_000);
});

describe("cancel stops running chunks now and keeps what finished", () => {
  it("a thread in the middle of a chunk stops between combinations; the runs it made equal this thread's", async () => {
    const candles = generateDemoCandles({ seed: 5, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 4000 });
    const values = Array.from({ length: 30 }, (_, i) => i + 2);
    const flow = ranged(values, values.map((v) => v + 30));
    const space = sweepSpace(flow);
    if (!space.ok) throw new Error(space.errors.join());
    const abort = new AbortController();
    // Cancel just after the thread has its job and has been sent the chunk (the reply to its
    // init comes first, then the chunk goes out in the same turn): it is running the chunk by then.
    let armed = false;
    const backend = threadBackend({
      threads: 1,
      spawn: () => {
        const w: Worker = spawnSweepWorker();
        w.on("message", (m: { type: string }) => {
          if (armed && m.type === "ready") setImmediate(() => abort.abort());
        });
        return w;
      },
    });
    try {
      const session = await backend.open({ flow, params: space.params, candles }, { signal: abort.signal });
      const combos = Array.from({ length: 900 }, (_, k) => [values[k % 30]!, values[Math.floor(k / 30)]! + 30]);
      armed = true;
      const runs = await session.runner({ id: "big", combos, bars: { from: 0, to: candles.length } });
      await session.close();
      expect(abort.signal.aborted).toBe(true);
      expect(runs.length).toBeLessThan(combos.length);
      const local = new ComboEvaluator(flow, space.params, candles);
      runs.forEach((r, k) => expect(r.metrics).toEqual(local.run(combos[k]!).metrics));
    } finally {
      await backend.close();
    }
  }, 120_000);
});
