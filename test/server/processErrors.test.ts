// The built server with an error nothing caught: a stray rejected promise is logged (redacted) and the
// server and its bots carry on; an uncaught exception stops the runners and exits 1, and the bots run
// again after the restart. A module loaded with --import (test code, not in the bundle) makes the
// error on SIGUSR2, as a ccxt client or a bot path with a missing await would.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyFlow, fakeExchangeEnv, until } from "../bots/harness";
import { makeCandles, startFakeExchange, type FakeExchange } from "../fake-exchange/index";
import { api, startBuiltServer, type BuiltServer } from "./builtServer";

const MASTER_KEY = "c3".repeat(32);
let dir = "";
let fake: FakeExchange;
const servers: BuiltServer[] = [];

/** What the next SIGUSR2 does: reject a promise nobody awaits, or throw from a callback. */
function arm(mode: "reject" | "throw", message: string): void {
  writeFileSync(join(dir, "stray.json"), JSON.stringify({ mode, message }));
}

async function start(): Promise<BuiltServer> {
  const s = await startBuiltServer(
    { KEYFLOW_DATA_DIR: join(dir, "data"), KEYFLOW_MASTER_KEY: MASTER_KEY, KEYFLOW_TEST_STRAY: join(dir, "stray.json"), ...fakeExchangeEnv(fake, 50) },
    ["--import", pathToFileURL(join(dir, "stray.mjs")).href],
  );
  servers.push(s);
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "keyflow-process-errors-"));
  writeFileSync(
    join(dir, "stray.mjs"),
    `import { readFileSync } from "node:fs";
process.on("SIGUSR2", () => {
  const { mode, message } = JSON.parse(readFileSync(process.env.KEYFLOW_TEST_STRAY, "utf8"));
  if (mode === "reject") Promise.reject(new Error(message));
  else setImmediate(() => { throw new Error(message); });
});
`,
  );
  fake = await startFakeExchange({ candles: { BTCUSDT: makeCandles({ start: Date.UTC(2024, 8, 1), count: 600, seed: 8 }) }, closedAtStart: 200, balances: { USDT: 100_000, BTC: 0 } });
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("errors nothing caught, in the serving process", () => {
  it("a stray rejection is logged without secrets and the server and its live bot carry on; an uncaught exception stops cleanly with code 1 and the bot runs again after the restart", async () => {
    let s = await start();
    const { apiKey, secret } = fake.keys.trade!;
    const added = await api(s, "mutation", "keys.add", { exchange: "binance", label: "trading", apiKey, secret });
    expect(added.status).toBe(200);
    const deployed = await api(s, "mutation", "bots.deploy", { flow: busyFlow(), mode: "live", keyId: added.body.result.data.id, confirmLive: true, warmupBars: 20 });
    expect(deployed.status).toBe(200);
    const botId: string = deployed.body.result.data.id;
    const status = async () => (await api(s, "query", "bots.get", { id: botId })).body.result.data.status as string;
    await until("the live bot to run", async () => (await status()) === "running");

    const signed = `GET ${fake.url}/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=5ec7e75167a7u7e0`;
    arm("reject", `stray: ${signed} failed with secret ${secret}`);
    s.child.kill("SIGUSR2");
    await until("the rejection to be logged", () => /Unhandled promise rejection/.test(s.stderr()));
    expect(s.child.exitCode).toBeNull();
    expect((await api(s, "query", "health.check")).status).toBe(200);
    expect(await status()).toBe("running");
    expect(s.stderr()).toMatch(/stray: .*signed query removed.* failed with secret \[redacted\]/);

    arm("throw", `broken callback with key ${apiKey}`);
    s.child.kill("SIGUSR2");
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toMatch(/Uncaught exception .*broken callback with key \[redacted\]/);
    expect(s.stderr()).toMatch(/Stopping: the bots' runners end/);
    for (const text of [secret, apiKey, "5ec7e75167a7u7e0"]) expect(s.stderr()).not.toContain(text);

    s = await start();
    await until("the bot to run again after the restart", async () => (await status()) === "running");
  });
});
