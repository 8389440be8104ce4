import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { allocCandles, getTemplate, RESULT_COLUMNS_VERSION, unpackResults, type FlowGraph, type Market, type RunResults } from "@keyflow/core";
import { main } from "../src/cli/main";
import { createCaller } from "../src/router/root";
import { threadBackend } from "../src/research/threadBackend";
import { createServices, type ServicesOptions } from "../src/services";
import { createContext } from "../src/trpc";

export function tempDir(prefix = "keyflow-server-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Services on a fresh temporary data directory, a server-side caller, and cleanup. */
export function testServices(options: ServicesOptions = {}) {
  const dir = tempDir();
  // Sweeps on this process's threads unless a test asks otherwise, whatever KEYFLOW_REDIS_URL the shell has.
  const services = createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir: dir }, { demo: false, research: { backend: threadBackend() }, ...options });
  const caller = createCaller(createContext(services));
  return {
    dir,
    services,
    caller,
    async close() {
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `backtests.get`'s packed `results` back to trades and chart (what the web's runResults.ts does); null before done. */
export function unpackRun(run: { results: string | null }): RunResults | null {
  if (run.results === null) return null;
  const bytes = Buffer.from(run.results, "base64");
  if (bytes[0] !== RESULT_COLUMNS_VERSION) throw new Error(`results format ${bytes[0]}`);
  return unpackResults(inflateRawSync(bytes.subarray(1)));
}

export function template(id: string): FlowGraph {
  const t = getTemplate(id);
  if (!t) throw new Error(`no template ${id}`);
  return structuredClone(t.flow);
}

/** The tRPC error's formatted `data.userError` from a rejected call. */
export async function userErrorOf(p: Promise<unknown>): Promise<{ message: string; kind: string; [k: string]: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; message: string; details?: object };
    // createCaller throws the TRPCError itself; the formatted shape is what HTTP clients see.
    return { message: err.message, kind: (err.details as { kind?: string } | undefined)?.kind ?? "none", ...(err.details ?? {}) };
  }
  throw new Error("expected the call to fail");
}

export function csvOf(rows: (string | number)[][]): string {
  return ["time,open,high,low,close,volume", ...rows.map((r) => r.join(","))].join("\n");
}

type Caller = ReturnType<typeof testServices>["caller"];

/** Waits for a queued portfolio run (`backtests.runPortfolio`) to end and returns the stored run. */
export async function finishedPortfolio(caller: Caller, runId: string) {
  for await (const e of await caller.backtests.progress({ runId })) if (e.status !== "queued" && e.status !== "running") break;
  return caller.backtests.portfolio({ id: runId });
}

/** A finished portfolio run's markets and equity (asserting it finished). */
export async function portfolioResult(caller: Caller, runId: string) {
  const run = await finishedPortfolio(caller, runId);
  if (run.status !== "done" || !run.markets || !run.metrics || !run.equity) throw new Error(`portfolio run ${run.status}: ${run.error}`);
  return { ...run, markets: run.markets, metrics: run.metrics, equity: run.equity };
}

/** `keyflow verify <args>` on the data directory `dataDir`, with what it printed on stdout. */
export async function verifyCli(dataDir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  const before = process.env.KEYFLOW_DATA_DIR;
  process.env.KEYFLOW_DATA_DIR = dataDir;
  try {
    return { code: await main(["verify", ...args]), out };
  } finally {
    process.stdout.write = write;
    process.env.KEYFLOW_DATA_DIR = before;
  }
}

/** Changes one stored candle (opening at `time`) of a market by `delta` in `field`; returns a function that puts it back. */
export function changeCandle(db: ReturnType<typeof testServices>["services"]["db"], market: Market, time: number, field: "open" | "high" | "low" | "close" | "volume", delta: number) {
  const series = db.candles.find(market)!;
  const old = db.candles.read(series.id, { from: time, to: time + 1 });
  const c = allocCandles(1);
  for (const k of ["time", "open", "high", "low", "close", "volume"] as const) c[k][0] = old[k][0]!;
  c[field][0] = old[field][0]! + delta;
  db.candles.insert(series.id, c);
  return { before: old[field][0]!, after: c[field][0]!, restore: () => db.candles.insert(series.id, old) };
}
