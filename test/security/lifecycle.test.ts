// The built server across restarts and settings: a token-mode cookie that cannot be decoded, a
// KEYFLOW_HOST that only looks like loopback, and a master key that changed under stored keys.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyFlow, fakeExchangeEnv, until } from "../bots/harness";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { api, startBuiltServer, type BuiltServer } from "../server/builtServer";
import { raw, statusOf } from "./raw";

const KEY_A = "a1".repeat(32);
const KEY_B = "b2".repeat(32);
const dirs: string[] = [];
const servers: BuiltServer[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "keyflow-sec-life-"));
  dirs.push(d);
  return d;
}

async function start(env: Record<string, string>): Promise<BuiltServer> {
  const s = await startBuiltServer(env);
  servers.push(s);
  return s;
}

afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("settings", () => {
  it("a token-mode server answers an undecodable token cookie with 401 and keeps running", async () => {
    const token = "t".repeat(40);
    const s = await start({ KEYFLOW_DATA_DIR: tempDir(), KEYFLOW_TOKEN: token });
    const host = `Host: 127.0.0.1:${s.port}\r\n`;
    for (const cookie of ["keyflow_token=%E0%A4%A", "keyflow_token=%", "keyflow_token=%ZZ; keyflow_token=%E0"]) {
      expect(statusOf(await raw(s.port, [`GET / HTTP/1.1\r\n${host}Cookie: ${cookie}\r\n\r\n`]))).toBe(401);
    }
    expect(statusOf(await raw(s.port, [`GET / HTTP/1.1\r\nHost: evil.example:${s.port}\r\nCookie: keyflow_token=%E0%A4%A\r\n\r\n`]))).toBe(421);
    expect(s.child.exitCode).toBeNull();
    expect((await api(s, "query", "health.check", undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await fetch(`${s.url}/trpc/health.check`)).status).toBe(401);
  });

  it("a KEYFLOW_HOST that starts with 127. but is a name is not loopback: no start without a token", async () => {
    const refused = startBuiltServer({ KEYFLOW_DATA_DIR: tempDir(), KEYFLOW_HOST: "127.evil.example" });
    await expect(refused).rejects.toThrow(/Refusing to listen on 127\.evil\.example without a token/);
  });

  it("KEYFLOW_ALLOWED_HOSTS lets a chosen name in, and nothing else", async () => {
    const s = await start({ KEYFLOW_DATA_DIR: tempDir(), KEYFLOW_ALLOWED_HOSTS: "keyflow.lan, other.lan:8080" });
    const get = (host: string) => raw(s.port, [`GET /trpc/health.check HTTP/1.1\r\nHost: ${host}\r\n\r\n`]);
    expect(statusOf(await get(`keyflow.lan:${s.port}`))).toBe(200);
    expect(statusOf(await get(`localhost:${s.port}`))).toBe(200);
    expect(statusOf(await get(`[::1]:${s.port}`))).toBe(200);
    expect(statusOf(await get("other.lan:8080"))).toBe(200);
    expect(statusOf(await get(`other.lan:${s.port}`))).toBe(421);
    expect(statusOf(await get(`keyflow.lan.evil.example:${s.port}`))).toBe(421);
  });
});

describe("a master key that changed", () => {
  let fake: FakeExchange;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeExchange({ candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 8, 1), count: 600, seed: 5 }) }, closedAtStart: 200, balances: { USDT: 100_000, BTC: 0 } });
    dataDir = tempDir();
    env = {
      KEYFLOW_DATA_DIR: dataDir,
      ...fakeExchangeEnv(fake, 50),
    };
  });

  afterAll(async () => {
    await fake?.close();
  });

  it("says so on every key and bot path, and the bots resume with a start once the key is back", async () => {
    let s = await start({ ...env, KEYFLOW_MASTER_KEY: KEY_A });
    const added = await api(s, "mutation", "keys.add", { exchange: "binance", label: "trading", apiKey: fake.keys.trade!.apiKey, secret: fake.keys.trade!.secret });
    expect(added.status).toBe(200);
    const keyId: string = added.body.result.data.id;
    const deployed = await api(s, "mutation", "bots.deploy", { flow: busyFlow(), mode: "live", keyId, confirmLive: true, warmupBars: 20 });
    expect(deployed.status).toBe(200);
    const botId: string = deployed.body.result.data.id;
    const bot = () => api(s, "query", "bots.get", { id: botId }).then((r) => r.body.result.data as { status: string; haltReason: string | null });
    await until("the live bot to run", async () => (await bot()).status === "running");
    expect(await s.stop()).toBe(0);

    // Restarted under another master key: nothing can open the stored secret.
    s = await start({ ...env, KEYFLOW_MASTER_KEY: KEY_B });
    await until("the bot to halt", async () => (await bot()).status === "halted");
    const halted = await bot();
    expect(halted.haltReason).toMatch(/master key changed.*restore KEYFLOW_MASTER_KEY/);
    expect(s.stderr()).toMatch(/1 stored exchange key was sealed under a different master key/);
    const probe = await api(s, "mutation", "keys.probe", { id: keyId });
    expect(probe.status).toBe(412);
    expect(probe.body.error.message).toMatch(/master key changed/);
    expect(probe.body.error.data.userError).toMatchObject({ kind: "key", reason: "master-key" });
    const view = (await api(s, "query", "keys.list")).body.result.data[0];
    expect(view.liveAllowed).toBe(false);
    expect(view.warnings[0]).toMatch(/master key changed/);
    for (const [path, input] of [
      ["bots.start", { id: botId }],
      ["bots.deploy", { flow: busyFlow(), mode: "live", keyId, confirmLive: true }],
    ] as const) {
      const r = await api(s, "mutation", path, input);
      expect(r.status, path).toBe(412);
      expect(r.body.error.message, path).toMatch(/master key changed/);
      expect(JSON.stringify(r.body), path).not.toMatch(/stack|at [A-Za-z]+ \(/);
    }
    expect(await s.stop()).toBe(0);

    // The right key is back: the halted bot stays halted until started, then runs.
    s = await start({ ...env, KEYFLOW_MASTER_KEY: KEY_A });
    expect((await bot()).status).toBe("halted");
    expect((await api(s, "mutation", "keys.probe", { id: keyId })).status).toBe(200);
    expect((await api(s, "mutation", "bots.start", { id: botId })).status).toBe(200);
    await until("the bot to run again", async () => {
      const b = await bot();
      return b.status === "running" && b.haltReason === null;
    });
    for (const text of [s.stderr(), ...servers.map((x) => x.stderr())]) {
      expect(text).not.toContain(fake.keys.trade!.secret);
      expect(text).not.toContain(KEY_A);
      expect(text).not.toContain(KEY_B);
    }
  }, 120_000);
});
