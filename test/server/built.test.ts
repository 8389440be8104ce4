// The built server (apps/server/dist) as `pnpm start` runs it: a real process, its bundled
// backtest worker, SSE progress over plain HTTP, and a clean stop on SIGTERM.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getTemplate } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBuiltServer, type BuiltServer } from "./builtServer";

let server: BuiltServer;
let url = "";
let dataDir = "";

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "keyflow-built-"));
  server = await startBuiltServer({ KEYFLOW_DATA_DIR: dataDir });
  url = server.url;
}, 120_000);

afterAll(() => {
  if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function call(path: string, input: unknown): Promise<any> {
  const res = await fetch(`${url}/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", "x-keyflow-client": "test" }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (!res.ok) throw new Error(JSON.stringify(body.error));
  return body.result!.data;
}

/** Reads the SSE stream of backtests.progress until a final status. */
async function progress(runId: string): Promise<{ status: string; percent: number }[]> {
  const res = await fetch(`${url}/trpc/backtests.progress?input=${encodeURIComponent(JSON.stringify({ runId }))}`, { headers: { accept: "text/event-stream" } });
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { status: string; percent: number }[] = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += value;
    let i;
    while ((i = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (!data) continue;
      const event = JSON.parse(data.slice(6));
      if (event && typeof event.status === "string") {
        events.push(event);
        if (!["queued", "running"].includes(event.status)) {
          await reader.cancel();
          return events;
        }
      }
    }
  }
}

describe("built server", () => {
  it("serves the API with the demo market installed", async () => {
    const res = await fetch(`${url}/trpc/health.check`);
    expect(res.status).toBe(200);
    const list = (await (await fetch(`${url}/trpc/markets.list`)).json()) as { result: { data: { symbol: string; timeframe: string }[] } };
    expect(list.result.data.map((s) => `${s.symbol} ${s.timeframe}`)).toEqual(["DEMO/USDT 1h", "DEMO/USDT 1m"]);
  });

  it("runs a backtest in the bundled worker and streams its progress", async () => {
    const flow = getTemplate("sma-cross")!.flow;
    const run = await call("backtests.run", { flow });
    const events = await progress(run.runId);
    expect(events.at(-1)).toMatchObject({ status: "done", percent: 100 });
    const got = (await (await fetch(`${url}/trpc/backtests.get?input=${encodeURIComponent(JSON.stringify({ runId: run.runId }))}`)).json()) as {
      result: { data: { status: string; metrics: { trades: number } } };
    };
    expect(got.result.data.status).toBe("done");
    expect(got.result.data.metrics.trades).toBeGreaterThan(0);
  }, 60_000);

  it("stops cleanly on SIGTERM", async () => {
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toMatch(/Stopped\./);
  }, 30_000);
});
