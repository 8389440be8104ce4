// The queue seen from the Keyflow server: a sweep survives the server restarting, progress arrives
// within chunks, a sweep started while Redis is down waits for it, Monte Carlo runs on a worker, and
// workers fetch candles from the server (behind their own token when it is not on loopback).
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoCandles, getTemplate, monteCarlo, monteCarloSettingsSchema, runSweep, storedSweep, sweepSettingsSchema, type FlowGraph } from "@keyflow/core";
import { openDatabase } from "@keyflow/db";
import { loadMarketCandles } from "../src/backtest/runInputs";
import { DEMO_MARKETS } from "../src/data/demoMarket";
import { startHttpServer } from "../src/http/server";
import { bullBackend } from "../src/research/bullBackend";
import { candleBytes, hashBytes, shownRedis } from "../src/research/bullProtocol";
import { fetchFromServer } from "../src/research/bullWorker";
import type { ResearchProgress } from "../src/research/researchJobs";
import { localBackend, type SweepBackend } from "../src/research/sweepBackend";
import { createServices } from "../src/services";
import { packCandles } from "../src/jobs/workerProtocol";
import { tempDir } from "./helpers";
import { startRedis, startWorkerProcess, type TestRedis } from "./redisServer";

let redis: TestRedis;
let dir = "";
const children: ChildProcess[] = [];
const settings = sweepSettingsSchema.parse({});
const MINUTE = DEMO_MARKETS[0]!;
const FROM = Date.UTC(2024, 2, 1);
const TO = Date.UTC(2024, 3, 15);

beforeAll(async () => {
  redis = await startRedis();
  dir = tempDir("keyflow-queue-server-");
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ranged(fast: number[], slow: number[]): FlowGraph {
  const flow = structuredClone(getTemplate("sma-cross")!.flow);
  return { ...flow, market: MINUTE, nodes: flow.nodes.map((n) => (n.id === "fast" ? { ...n, ranges: { period: { values: fast } } } : n.id === "slow" ? { ...n, ranges: { period: { values: slow } } } : n)) };
}
/** Resolves once nothing accepts connections at the Redis URL's port. */
async function redisDown(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.once("connect", () => (socket.destroy(), resolve(false)));
      socket.once("error", () => resolve(true));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const doneIds = (log: string[]) => log.flatMap((l) => l.match(/\] done (\S+)/)?.[1] ?? []);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

function server(backend: SweepBackend) {
  return createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir: join(dir, "data") }, { research: { backend } });
}

/** Progress events of a sweep until `until` says stop (or it ends). */
async function follow(s: ReturnType<typeof server>, id: string, until: (e: ResearchProgress) => boolean = () => false): Promise<ResearchProgress[]> {
  const events: ResearchProgress[] = [];
  const abort = new AbortController();
  for await (const e of s.research.progress(id, abort.signal)) {
    events.push(e);
    if (until(e)) {
      abort.abort();
      break;
    }
  }
  return events;
}

/** The stored sweep the same flow gives in this thread, on the run's own candles. */
async function localSweep(s: ReturnType<typeof server>, id: string) {
  const run = s.db.research.get(id)!;
  const { candles } = loadMarketCandles(s.db, run.market, { from: run.fromTime, to: run.toTime });
  const session = await localBackend.open({ flow: run.flow, params: run.params, candles });
  const out = await runSweep(run.params, run.settings, candles.length, session.runner, { parallel: 1 });
  if (!out.ok) throw new Error(out.error);
  return storedSweep(out.result);
}

describe("the queue behind the Keyflow server", () => {
  it("the server stopped mid-sweep: a new one on the same data and Redis picks the sweep up and stores what a local run gives; progress came within chunks; candles came from the server", async () => {
    const first = server(bullBackend({ url: redis.url, inflight: 2 }));
    const http = await startHttpServer(first);
    const worker = await startWorkerProcess({ url: redis.url, dataDir: join(dir, "worker"), args: ["--concurrency", "1", "--stall-ms", "1000"], env: { KEYFLOW_SERVER_URL: http.url } });
    children.push(worker.child);
    const flow = ranged(range(5, 10), [30, 45, 60, 75, 90, 105, 120, 135, 150, 165]);
    const { id, total } = (await import("../src/research/startResearch")).startResearch(first, { flow, from: FROM, to: TO, settings });
    expect(total).toBe(100);
    // 100 combinations in chunks of 7 (2 in flight × 8 per slot): a count between multiples of 7 came from inside a chunk.
    const seen = await follow(first, id, (e) => e.done >= 14);
    expect(seen.some((e) => e.done % 7 !== 0)).toBe(true);
    expect(seen.at(-1)!.status).toBe("running");
    await Promise.all([first.close(), http.close()]);
    expect(worker.log.some((l) => l.includes("fetched from the server"))).toBe(true);
    const doneBefore = doneIds(worker.log);
    const linesBefore = worker.log.length;
    // Still running in the database: the queue holds it.
    const left = openDatabase(join(dir, "data"));
    expect(left.research.get(id)!.status).toBe("running");
    left.close();

    const second = server(bullBackend({ url: redis.url, inflight: 2 }));
    try {
      const events = await follow(second, id);
      expect(events.at(-1)).toMatchObject({ status: "done", done: 100, total: 100 });
      const run = second.db.research.get(id)!;
      expect(run.status).toBe("done");
      expect(run.sweep).toEqual(await localSweep(second, id));
      // Chunks finished before the restart were taken from the queue, not run again.
      expect(doneBefore.length).toBeGreaterThan(0);
      const doneAfter = doneIds(worker.log.slice(linesBefore));
      for (const chunk of doneBefore) expect(doneAfter).not.toContain(chunk);
    } finally {
      await second.close();
      await new Promise((resolve) => (worker.child.once("exit", resolve), worker.child.kill("SIGTERM")));
    }
  }, 180_000);

  it("a sweep started while Redis is down says it waits for the queue and runs once Redis is back; Monte Carlo on a worker equals the same here", async () => {
    const worker = await startWorkerProcess({ url: redis.url, dataDir: join(dir, "worker-2"), args: ["--concurrency", "1"] });
    children.push(worker.child);
    const backend = bullBackend({ url: redis.url, waitNoticeMs: 100 });
    const restarting = redis.restart(3000);
    await redisDown(redis.url);
    const s = server(backend);
    try {
      const { id } = (await import("../src/research/startResearch")).startResearch(s, { flow: ranged([5, 9], [30, 60]), from: FROM, to: Date.UTC(2024, 2, 5), settings });
      const waiting = await follow(s, id, (e) => e.waitingFor !== undefined);
      expect(waiting.at(-1)!.waitingFor).toContain(`the queue at ${redis.url}`);
      expect(waiting.at(-1)!.status).toBe("running");
      await restarting;
      const events = await follow(s, id);
      expect(events.at(-1)).toMatchObject({ status: "done", done: 4 });
      expect(events.at(-1)!.waitingFor).toBeUndefined();
      expect(s.db.research.get(id)!.sweep).toEqual(await localSweep(s, id));

      const pnls = Array.from({ length: 40 }, (_, i) => ((i * 37) % 11) - 5 + i / 7);
      const mc = monteCarloSettingsSchema.parse({ method: "bootstrap", runs: 300, seed: 3 });
      expect(await s.research.monteCarlo(10_000, pnls, mc)).toEqual(monteCarlo(10_000, pnls, mc));
      expect(worker.log.some((l) => l.includes("(Monte Carlo, 300 runs)"))).toBe(true);
      expect((await backend.queue!()).reachable).toBe(true);
    } finally {
      await s.close();
    }
  }, 120_000);
});

describe("without a queue", () => {
  it("a sweep the last server left running is marked failed on start (nothing outlived the process)", async () => {
    const dataDir = tempDir();
    const db = openDatabase(dataDir);
    const flow = ranged([5], [30]);
    db.research.create({ id: "left", strategyId: null, strategyVersion: null, kind: "sweep", flow, market: MINUTE, fromTime: FROM, toTime: TO, bars: 10, params: [], settings, walkForward: null, holdoutFrom: null });
    db.close();
    const s = createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir }, { demo: false, research: { backend: localBackend } });
    try {
      expect(s.db.research.get("left")).toMatchObject({ status: "failed", error: "Interrupted because the server stopped; run it again." });
    } finally {
      await s.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the worker candle route", () => {
  const candles = generateDemoCandles({ seed: 2, timeframe: "1h", start: Date.UTC(2024, 0, 1), bars: 50 });
  const gz = Buffer.from("stand-in for gzip bytes");
  const hash = hashBytes(candleBytes(packCandles(candles)));
  const shelf: SweepBackend = { ...localBackend, candles: (h) => (h === hash ? gz : undefined) };
  const open = async (host: string, workerToken?: string) => {
    const s = createServices(
      { host, port: 0, token: host === "127.0.0.1" ? undefined : "app-token-0123456789", ...(workerToken ? { workerToken } : {}), dataDir: tempDir() },
      { demo: false, research: { backend: shelf } },
    );
    const http = await startHttpServer(s);
    return { url: `http://127.0.0.1:${http.port}`, async close() { await http.close(); await s.close(); rmSync(s.config.dataDir, { recursive: true, force: true }); } };
  };

  it("a non-loopback server refuses a worker without its token (and the app's token is not it); with it the candles come; on loopback no token is needed", async () => {
    const wide = await open("0.0.0.0", "worker-token-0123456789");
    try {
      await expect(fetchFromServer({ url: wide.url }, hash)).rejects.toThrow(/refused the candles \(401\)/);
      await expect(fetchFromServer({ url: wide.url, token: "app-token-0123456789" }, hash)).rejects.toThrow(/401/);
      expect(await fetchFromServer({ url: wide.url, token: "worker-token-0123456789" }, hash)).toEqual(gz);
      expect(await fetchFromServer({ url: wide.url, token: "worker-token-0123456789" }, "0".repeat(64))).toBeNull();
    } finally {
      await wide.close();
    }
    const untokened = await open("0.0.0.0");
    try {
      await expect(fetchFromServer({ url: untokened.url, token: "anything-at-all-123" }, hash)).rejects.toThrow(/\(403\).*KEYFLOW_WORKER_TOKEN/);
    } finally {
      await untokened.close();
    }
    const local = await open("127.0.0.1");
    try {
      expect(await fetchFromServer({ url: local.url }, hash)).toEqual(gz);
    } finally {
      await local.close();
    }
  });

  it("the queue's address is shown without its user and password", () => {
    expect(shownRedis("redis://keyflow:s3cret-pass@10.0.0.5:6380/2")).toBe("redis://10.0.0.5:6380");
    expect(shownRedis("not a url :s3cret")).toBe("KEYFLOW_REDIS_URL");
  });
});
