// The built server against what a foreign web page, another local user or a malformed packet can
// send (SECURITY.md): each probe is refused, nothing changes, and the server and its bots keep going.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "@keyflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyFlow, fakeExchangeEnv, until } from "../bots/harness";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { api as apiOf, startBuiltServer, type BuiltServer } from "../server/builtServer";
import { raw, statusOf } from "./raw";

let fake: FakeExchange;
let server: BuiltServer;
let dataDir: string;
let env: Record<string, string>;
let keyId = "";
let paperBotId = "";

const JSON_HEADERS = { "content-type": "application/json", "x-keyflow-client": "test" };

const api = (kind: "query" | "mutation", path: string, input?: unknown, headers: Record<string, string> = {}) => apiOf(server, kind, path, input, headers);

async function keyIds(): Promise<string[]> {
  return ((await api("query", "keys.list")).body.result.data as { id: string }[]).map((k) => k.id);
}

async function botStatuses(): Promise<Record<string, string>> {
  const bots = (await api("query", "bots.list")).body.result.data as { id: string; status: string }[];
  return Object.fromEntries(bots.map((b) => [b.id, b.status]));
}

beforeAll(async () => {
  fake = await startFakeExchange({ candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 8, 1), count: 600, seed: 3 }) }, closedAtStart: 200, balances: { USDT: 100_000, BTC: 0 } });
  dataDir = join(mkdtempSync(join(tmpdir(), "keyflow-sec-")), "data");
  // A data directory someone made readable by everyone: tightened at start, with a warning.
  mkdirSync(dataDir, { mode: 0o755 });
  env = {
    KEYFLOW_DATA_DIR: dataDir,
    ...fakeExchangeEnv(fake, 50),
  };
  server = await startBuiltServer(env);
  const added = await api("mutation", "keys.add", { exchange: "binance", label: "trading", apiKey: fake.keys.trade!.apiKey, secret: fake.keys.trade!.secret });
  expect(added.status).toBe(200);
  keyId = added.body.result.data.id;
  const bot = await api("mutation", "bots.deploy", { flow: busyFlow(), warmupBars: 20 });
  expect(bot.status).toBe(200);
  paperBotId = bot.body.result.data.id;
  await until("the paper bot to run", async () => (await botStatuses())[paperBotId] === "running");
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await fake?.close();
  if (dataDir) rmSync(join(dataDir, ".."), { recursive: true, force: true });
});

describe("a foreign web page", () => {
  it("cannot drive the server through DNS rebinding (a Host it does not serve)", async () => {
    const evil = { host: `evil.example:${server.port}`, origin: `http://evil.example:${server.port}` };
    // fetch() will not set Host; a raw request does what a rebinding browser sends.
    const body = JSON.stringify({ id: keyId });
    const remove = await raw(server.port, [
      `POST /trpc/keys.remove HTTP/1.1\r\nHost: ${evil.host}\r\nOrigin: ${evil.origin}\r\nContent-Type: application/json\r\nx-keyflow-client: web\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ]);
    expect(statusOf(remove)).toBe(421);
    expect(remove).toMatch(/KEYFLOW_ALLOWED_HOSTS/);
    const deploy = JSON.stringify({ flow: busyFlow(), mode: "live", keyId, confirmLive: true });
    const live = await raw(server.port, [`POST /trpc/bots.deploy HTTP/1.1\r\nHost: ${evil.host}\r\nContent-Type: application/json\r\nx-keyflow-client: web\r\nContent-Length: ${deploy.length}\r\n\r\n${deploy}`]);
    expect(statusOf(live)).toBe(421);
    for (const path of ["/trpc/keys.list", "/", "/assets/x.js", `/trpc/bots.events?input=${encodeURIComponent(JSON.stringify({ id: paperBotId }))}`]) {
      expect(statusOf(await raw(server.port, [`GET ${path} HTTP/1.1\r\nHost: ${evil.host}\r\n\r\n`])), path).toBe(421);
    }
    expect(statusOf(await raw(server.port, [`GET /trpc/health.check HTTP/1.1\r\nHost: 127.0.0.1.evil.example:${server.port}\r\n\r\n`]))).toBe(421);
    expect(await keyIds()).toEqual([keyId]);
    expect(Object.keys(await botStatuses())).toEqual([paperBotId]);
  });

  it("cannot post changes from another origin, as a form, as text or without Keyflow's header", async () => {
    const tries: [string, RequestInit][] = [
      ["foreign Origin", { method: "POST", headers: { ...JSON_HEADERS, origin: "http://evil.example" }, body: "{}" }],
      ["Origin null (sandboxed frame, file://)", { method: "POST", headers: { ...JSON_HEADERS, origin: "null" }, body: "{}" }],
      ["another port on localhost", { method: "POST", headers: { ...JSON_HEADERS, origin: "http://localhost:3000" }, body: "{}" }],
      ["cross-site fetch metadata", { method: "POST", headers: { ...JSON_HEADERS, "sec-fetch-site": "cross-site" }, body: "{}" }],
      ["multipart form", { method: "POST", headers: { origin: "http://evil.example" }, body: (() => { const f = new FormData(); f.set("x", "1"); return f; })() }],
      ["multipart form, no Origin", { method: "POST", body: (() => { const f = new FormData(); f.set("x", "1"); return f; })() }],
      ["text/plain", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }],
      ["urlencoded form", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "x=1" }],
      ["JSON without Keyflow's header", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }],
      ["a mutation by GET", { method: "GET" }],
      ["a PUT", { method: "PUT", headers: JSON_HEADERS, body: "{}" }],
    ];
    for (const [what, init] of tries) {
      const res = await fetch(`${server.url}/trpc/bots.stopAll`, init);
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.headers.get("access-control-allow-origin"), what).toBeNull();
      expect(await res.text(), what).not.toMatch(/"stopped"/);
    }
    const preflight = await fetch(`${server.url}/trpc/bots.stopAll`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "x-keyflow-client" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
    // Reads and streams from a foreign page are refused too.
    expect((await fetch(`${server.url}/trpc/keys.list`, { headers: { origin: "http://evil.example" } })).status).toBe(403);
    expect((await fetch(`${server.url}/trpc/bots.events?input=${encodeURIComponent(JSON.stringify({ id: paperBotId }))}`, { headers: { "sec-fetch-site": "cross-site", accept: "text/event-stream" } })).status).toBe(403);
    expect((await botStatuses())[paperBotId]).toBe("running");
    // The app's own requests still work: same origin, JSON, the header.
    const own = await api("mutation", "strategies.create", { flow: busyFlow() }, { origin: server.url, "sec-fetch-site": "same-origin" });
    expect(own.status).toBe(200);
  });

  it("cannot frame the app or run inline script in it", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    // The built page has no inline script that the policy would have to allow.
    const html = readFileSync(fileURLToPath(new URL("../../apps/web/dist/index.html", import.meta.url)), "utf8");
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/);
      expect(body!.trim()).toBe("");
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});

describe("names", () => {
  it("are trimmed, 1–100 characters, without control characters, bidi overrides or lone surrogates", async () => {
    const hostile = [" ", "", "a\u0000b", "line\nbreak", "\u202Eevil.exe", "bad \u2066isolate", "half \ud800", "x".repeat(101)];
    for (const name of hostile) {
      const strategy = await api("mutation", "strategies.create", { flow: { ...busyFlow(), name } });
      expect(strategy.status, JSON.stringify(name)).toBe(400);
      expect(strategy.body.error.data.userError.issues[0].path).toBe("flow.name");
      const label = await api("mutation", "keys.add", { exchange: "binance", label: name, apiKey: fake.keys.trade!.apiKey, secret: fake.keys.trade!.secret });
      expect(label.status, JSON.stringify(name)).toBe(400);
      expect(label.body.error.data.userError.issues[0].path).toBe("label");
      const bot = await api("mutation", "bots.deploy", { flow: busyFlow(), name, start: false });
      expect(bot.status, JSON.stringify(name)).toBe(400);
      expect(bot.body.error.message).toMatch(/name/i);
    }
    const trimmed = await api("mutation", "strategies.create", { flow: { ...busyFlow(), name: "  Trend 🚀 follower  " } });
    expect(trimmed.body.result.data.name).toBe("Trend 🚀 follower");
    expect(await keyIds()).toEqual([keyId]);
  });
});

describe("files", () => {
  it("keeps the data directory, the database, its WAL and SHM and the master key private", () => {
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(dataDir)).toBe("700");
    for (const f of ["keyflow.db", "keyflow.db-wal", "keyflow.db-shm", "master.key"]) expect(mode(join(dataDir, f)), f).toBe("600");
    expect(server.stderr()).toMatch(/other users of this machine could read Keyflow's data; made private to you \(0700\/0600\): .*data/);
  });
});

/** Requests no browser or client sends: each a list of chunks written to one socket. */
function malformed(rnd: () => number, port: number): (string | Buffer)[][] {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
  const post = (path: string, body: string | Buffer, extra = "") => [
    `POST ${path} HTTP/1.1\r\n${host}Content-Type: application/json\r\nx-keyflow-client: fuzz\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    body,
  ];
  const targets = ["http://[bad/", "*", "//evil/x", "%%%", "/%E0%A4%A", "/trpc/%ff%fe", "/trpc/strategies.get?input=%E0%A4%A", "/trpc/bots.get?input=%", "/..%2f..%2fetc/passwd", "/trpc/..", "/\u00ff\u00fe", "/trpc/bots.get?input=%7B%22id%22%3A", "/trpc/" + "a".repeat(5000)];
  const cases: (() => (string | Buffer)[])[] = [
    // bad request targets and broken percent-encoding
    () => [`GET ${pick(targets)} HTTP/1.1\r\n${host}\r\n`],
    () => [Buffer.concat([Buffer.from("GET /"), bytes(8), Buffer.from(` HTTP/1.1\r\n${host}\r\n`)])],
    // huge and repeated headers
    () => [`GET / HTTP/1.1\r\n${host}X-Big: ${"x".repeat(20_000 + Math.floor(rnd() * 20_000))}\r\n\r\n`],
    () => [`GET / HTTP/1.1\r\n${host}${"X-A: 1\r\n".repeat(3000)}\r\n`],
    () => [`GET / HTTP/1.1\r\n${host}${host}Host: evil.example\r\n\r\n`],
    () => [`GET / HTTP/1.1\r\nHost:\r\n\r\n`],
    () => [`GET / HTTP/1.1\r\n${host}No colon here\r\n\r\n`],
    () => [`GET / HTTP/1.1\r\n${host}X-Fold: a\r\n b\r\n\r\n`], // obs-fold: may be read as one header
    () => [`GET / HTTP/1.1\r\n${host}Cookie: keyflow_token=%E0%A4%A; other=%\r\n\r\n`],
    // truncated bodies and lying lengths
    () => post("/trpc/bots.stopAll", "{}".slice(0, 1), "").map((c, i) => (i === 0 ? String(c).replace(/Content-Length: \d+/, `Content-Length: ${100 + Math.floor(rnd() * 1e6)}`) : c)),
    () => [`POST /trpc/strategies.create HTTP/1.1\r\n${host}Content-Type: application/json\r\nx-keyflow-client: fuzz\r\nContent-Length: 5\r\nContent-Length: 9\r\n\r\n{}`],
    () => [`POST /trpc/strategies.create HTTP/1.1\r\n${host}Content-Type: application/json\r\nx-keyflow-client: fuzz\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n`],
    () => [`POST /trpc/strategies.create HTTP/1.1\r\n${host}Content-Type: application/json\r\nx-keyflow-client: fuzz\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
    () => [`POST /trpc/strategies.create HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`],
    // wrong methods and protocols
    () => [`${pick(["BREW", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND", "G\u0000ET", "get"])} ${pick(["/", "/trpc/bots.stopAll", "/trpc/keys.list"])} HTTP/1.1\r\n${host}\r\n`],
    () => [`GET /\r\n`],
    () => ["PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
    () => [`GET / HTTP/9.9\r\n${host}\r\n`],
    // invalid UTF-8 and bad JSON at real procedures
    () => post(pick(["/trpc/strategies.create", "/trpc/keys.add", "/trpc/bots.deploy", "/trpc/strategies.rename"]), Buffer.concat([Buffer.from('{"flow":{"name":"'), bytes(12), Buffer.from('"}}')])),
    () => post(pick(["/trpc/strategies.create", "/trpc/backtests.run", "/trpc/bots.deploy"]), pick(["{", "[]", "null", '{"flow":', "\u0000", '{"flow":{"nodes":' + "[".repeat(50_000) + "]".repeat(50_000) + "}}"])),
    () => post("/trpc/strategies.create,keys.list,bots.list?batch=1", pick(['{"0":{}}', "[1,2,3]", '{"0":{"flow":null},"1":1}'])),
    () => [Buffer.concat([Buffer.from(`GET / HTTP/1.1\r\n${host}X-Bytes: `), bytes(40), Buffer.from("\r\n\r\n")])],
    // plain garbage
    () => [bytes(1 + Math.floor(rnd() * 400))],
    () => [`\r\n\r\n\r\n`],
  ];
  return Array.from({ length: 1100 }, (_, i) => cases[i % cases.length]!());
}

/** Odd but legal HTTP (folded or non-ASCII header values, a cookie this server does not use, on a page request): any non-5xx answer will do. */
const mayBeServed = (first: string) => /^GET \/ HTTP\/1\.1\r\n.*\r\n(X-Fold|X-Bytes|Cookie)/s.test(first);

describe("malformed requests", () => {
  it("never stop the server or a bot: 1,100 of them over raw sockets, each answered with a 4xx or a closed socket", async () => {
    const requests = malformed(mulberry32(20261201), server.port);
    const statuses = new Map<string, number>();
    for (let batch = 0; batch < requests.length; batch += 100) {
      const answers = await Promise.all(requests.slice(batch, batch + 100).map((chunks) => raw(server.port, chunks, { idleMs: 1000 })));
      for (const [i, a] of answers.entries()) {
        const status = statusOf(a);
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        const first = requests[batch + i]!.map((c) => (typeof c === "string" ? c : c.toString("latin1"))).join("");
        if (status === null) continue;
        expect(status, `request ${batch + i}: ${first.slice(0, 160)}`).toBeLessThan(500);
        if (!mayBeServed(first)) expect(status, `request ${batch + i}: ${first.slice(0, 160)}`).toBeGreaterThanOrEqual(400);
      }
      expect(server.child.exitCode).toBeNull();
      expect((await api("query", "health.check")).status).toBe(200);
      expect((await botStatuses())[paperBotId]).toBe("running");
    }
    // The answers were refusals the server chose, not only dropped sockets.
    expect((statuses.get("400") ?? 0) + (statuses.get("431") ?? 0)).toBeGreaterThan(300);
    expect(await keyIds()).toEqual([keyId]);
  }, 180_000);

  it("answers oversized headers with 431 and drops a client that never finishes its headers", async () => {
    expect(statusOf(await raw(server.port, [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Big: ${"x".repeat(40_000)}\r\n\r\n`]))).toBe(431);
    const started = Date.now();
    const slow = await raw(server.port, [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Slow: `], { end: false, idleMs: 30_000 });
    expect(statusOf(slow) === null || statusOf(slow) === 408).toBe(true);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect((await api("query", "health.check")).status).toBe(200);
  }, 40_000);
});
