// Keys and bots over real HTTP, as the web app will use them: every byte the server sends (JSON
// responses, errors, the SSE stream) is kept and searched for the secrets at the end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import { startHttpServer, type RunningServer } from "../src/http/server";
import { caughtUp, expectNoSecrets, harness, leakSites, smaFlow, type Harness } from "./botHelpers";

let h: Harness;
let server: RunningServer;
const wire: string[] = [];

beforeAll(async () => {
  h = await harness({ fake: { candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 8, 1), count: 1000, seed: 9 }), ETHUSDT: makeCandles({ start: Date.UTC(2024, 8, 1), count: 1000, seed: 10 }) }, closedAtStart: 10, balances: { USDT: 100_000, BTC: 0, ETH: 0 } } });
  server = await startHttpServer(h.services, (l) => h.logs.push(l));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await h?.close();
});

async function call(kind: "query" | "mutation", path: string, input?: unknown): Promise<{ status: number; body: any }> {
  const url = `${server.url}/trpc/${path}${kind === "query" && input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ""}`;
  const res = kind === "query" ? await fetch(url) : await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-keyflow-client": "test" }, body: JSON.stringify(input ?? null) });
  const text = await res.text();
  wire.push(text);
  return { status: res.status, body: JSON.parse(text) };
}

/** Reads the raw SSE stream for `ms` milliseconds while `during` runs. */
async function sse(path: string, input: unknown, ms: number, during: () => Promise<void>): Promise<string> {
  const ac = new AbortController();
  const res = await fetch(`${server.url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { accept: "text/event-stream" }, signal: ac.signal });
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
      }
    } catch {
      /* aborted */
    }
  })();
  await during();
  await new Promise((r) => setTimeout(r, ms));
  ac.abort();
  await reading;
  wire.push(text);
  return text;
}

describe("keys and bots over HTTP", () => {
  it("adds a key, refuses a bad one with a typed error and no stack, runs a live bot and streams its events", async () => {
    const trade = h.fake.keys.trade!;
    const bad = await call("mutation", "keys.add", { exchange: "binance", apiKey: trade.apiKey, secret: "9".repeat(48) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data.userError).toMatchObject({ kind: "key", reason: "bad-signature" });
    expect(JSON.stringify(bad.body)).not.toMatch(/stack|\.ts:\d+/);

    const added = await call("mutation", "keys.add", { exchange: "binance", label: "web", apiKey: trade.apiKey, secret: trade.secret });
    const keyId = added.body.result.data.id as string;
    await call("query", "keys.list");
    await call("query", "keys.get", { id: keyId });
    await call("mutation", "keys.probe", { id: keyId });

    const deployed = await call("mutation", "bots.deploy", { flow: smaFlow(2, 5), mode: "live", keyId, confirmLive: true, warmupBars: 50 });
    const botId = deployed.body.result.data.id as string;
    await caughtUp(h, botId);
    const stream = await sse("bots.events", { id: botId }, 300, async () => {
      for (let i = 0; i < 40; i++) {
        h.fake.advance();
        await caughtUp(h, botId);
      }
    });
    const types = new Set([...stream.matchAll(/"type":"(\w+)"/g)].map((m) => m[1]));
    for (const t of ["bot", "log", "order", "fill"]) expect(types.has(t), `SSE has ${t} events`).toBe(true);

    const n = h.fake.keys.noIpWhitelist!;
    await call("mutation", "keys.rotate", { id: keyId, apiKey: n.apiKey, secret: n.secret });
    await call("query", "bots.get", { id: botId });
    await call("query", "bots.list");
    const all = await call("mutation", "bots.stopAll");
    expect(all.body.result.data.stopped).toBe(1);
    await call("query", "templates.export", { flow: smaFlow(2, 5) });

    const secrets = [trade.secret, trade.apiKey, n.secret, n.apiKey];
    expectNoSecrets(leakSites(h, { wire: wire.join("\n") }), secrets);
  }, 60_000);
});
