import { rmSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer, type RunningServer } from "../src/http/server";
import type { AppRouter } from "../src/router/root";
import { createServices } from "../src/services";
import type { BacktestProgress } from "../src/jobs/backtestJobs";
import { template, tempDir, unpackRun } from "./helpers";

function client(url: string, token?: string) {
  const headers = { "x-keyflow-client": "test", ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource,
          ...(token ? { connectionParams: undefined, eventSourceOptions: { fetch: (u: string | URL, init?: RequestInit) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }) } } : {}),
        }),
        false: httpBatchLink({ url: `${url}/trpc`, headers }),
      }),
    ],
  });
}

function follow(c: ReturnType<typeof client>, runId: string): Promise<BacktestProgress[]> {
  return new Promise((resolve, reject) => {
    const events: BacktestProgress[] = [];
    const sub = c.backtests.progress.subscribe(
      { runId },
      {
        onData: (e) => {
          events.push(e);
          if (e.status !== "queued" && e.status !== "running") {
            sub.unsubscribe();
            resolve(events);
          }
        },
        onError: reject,
      },
    );
  });
}

describe("HTTP server (real sockets, tRPC client, SSE)", () => {
  let dir: string;
  let services: ReturnType<typeof createServices>;
  let server: RunningServer;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    dir = tempDir();
    services = createServices({ host: "127.0.0.1", port: 0, token: undefined, dataDir: dir });
    server = await startHttpServer(services);
    api = client(server.url);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("listens on a loopback address and a random port", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it("runs a backtest over the demo market and follows its SSE progress to completion", async () => {
    expect((await api.markets.list.query()).map((s) => `${s.symbol} ${s.timeframe}`)).toEqual(["DEMO/USDT 1h", "DEMO/USDT 1m"]);
    const flow = template("sma-cross");
    const run = await api.backtests.run.mutate({ flow, market: { ...flow.market, timeframe: "1m" } });
    expect(run.bars).toBe(527_040);
    const events = await follow(api, run.runId);
    expect(events.at(-1)).toMatchObject({ status: "done", percent: 100, done: 527_040 });
    expect(events.at(-1)!.barsPerSec).toBeGreaterThan(100_000);
    const percents = events.map((e) => e.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const result = await api.backtests.get.query({ runId: run.runId });
    expect(result.status).toBe("done");
    expect(result.metrics!.trades).toBeGreaterThan(10_000);
    // A year of 1m with ~14,000 trades: the whole answer stays under 500 KB (JSON trades were ~4 MB).
    expect(JSON.stringify(result).length).toBeLessThan(500 * 1024);
    const { trades, chart } = unpackRun(result)!;
    expect(trades.length).toBe(result.metrics!.trades);
    expect(chart.candles.time.length).toBeLessThanOrEqual(2000);
  }, 120_000);

  it("sends compile errors as a typed payload and never a stack trace", async () => {
    const flow = { ...template("sma-cross"), edges: [] };
    const err = await api.backtests.run.mutate({ flow }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const data = (err as TRPCClientError<AppRouter>).data!;
    expect(data.code).toBe("BAD_REQUEST");
    expect(data.userError?.kind).toBe("compile");
    expect(JSON.stringify(data)).not.toMatch(/stack|\.ts:\d+/);
    const bad = await api.strategies.get.query({ id: 42 as unknown as string }).then(
      () => null,
      (e: unknown) => e,
    );
    if (!(bad instanceof TRPCClientError)) throw new Error("a wrong id type was accepted");
    expect(bad.data?.userError).toMatchObject({ kind: "input", issues: [{ path: "id" }] });
  }, 60_000);

  it("serves the web app with an SPA fallback, or a page saying to build it", async () => {
    const web = join(dir, "web");
    mkdirSync(join(web, "assets"), { recursive: true });
    writeFileSync(join(web, "index.html"), "<!doctype html><title>Keyflow app</title>");
    writeFileSync(join(web, "assets", "app.js"), "console.log(1)");
    process.env.KEYFLOW_WEB_DIST = web;
    try {
      const route = await fetch(`${server.url}/strategies/abc`);
      expect(route.headers.get("content-type")).toMatch(/text\/html/);
      expect(await route.text()).toContain("Keyflow app");
      const js = await fetch(`${server.url}/assets/app.js`);
      expect(js.headers.get("content-type")).toMatch(/javascript/);
      expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
      expect((await fetch(`${server.url}/..%2f..%2fetc/passwd`)).status).not.toBe(200);
      process.env.KEYFLOW_WEB_DIST = join(dir, "nothing-here");
      expect(await (await fetch(`${server.url}/`)).text()).toMatch(/pnpm build/);
    } finally {
      delete process.env.KEYFLOW_WEB_DIST;
    }
  });
});

describe("HTTP server with a token", () => {
  it("refuses requests without the token and accepts bearer, ?token= and the cookie it sets", async () => {
    const dir = tempDir();
    const token = "0123456789abcdef0123456789abcdef";
    const services = createServices({ host: "127.0.0.1", port: 0, token, dataDir: dir }, { demo: false });
    const server = await startHttpServer(services);
    try {
      const anon = await fetch(`${server.url}/trpc/health.check`);
      expect(anon.status).toBe(401);
      expect(await anon.text()).toMatch(/KEYFLOW_TOKEN/);
      expect((await fetch(`${server.url}/trpc/health.check`, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
      const ok = await client(server.url, token).health.check.query();
      expect(ok.ok).toBe(true);
      const link = await fetch(`${server.url}/?token=${token}`);
      expect(link.status).toBe(200);
      const cookie = link.headers.get("set-cookie")!.split(";")[0]!;
      expect((await fetch(`${server.url}/trpc/health.check`, { headers: { cookie } })).status).toBe(200);
    } finally {
      await server.close();
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("will not bind a non-loopback address without a token", async () => {
    const { configFromEnv } = await import("../src/config");
    expect(() => configFromEnv({ KEYFLOW_HOST: "0.0.0.0" })).toThrow(/KEYFLOW_TOKEN/);
    expect(configFromEnv({ KEYFLOW_HOST: "0.0.0.0", KEYFLOW_TOKEN: "0123456789abcdef0123" }).host).toBe("0.0.0.0");
    expect(configFromEnv({}).port).toBe(5177);
  });
});
