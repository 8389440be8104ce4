// `keyflow backtest` from the built CLI loads only what a backtest needs: no ccxt, no SQLite driver,
// no tRPC (each command is its own chunk of the bundle). A module-resolution hook lists what loads.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "./builtServer";

const main = fileURLToPath(new URL("../../apps/server/dist/main.js", import.meta.url));
let dir = "";

beforeAll(() => {
  buildServer();
  dir = mkdtempSync(join(tmpdir(), "keyflow-cli-modules-"));
  writeFileSync(
    join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.KEYFLOW_MODULE_LOG, r.url + "\\n");
  return r;
}
`,
  );
  writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the built CLI and returns every module URL it resolved. */
function modulesOf(args: string[]): { status: number | null; modules: string[] } {
  const log = join(dir, `${args[0]}.log`);
  writeFileSync(log, "");
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(join(dir, "register.mjs")).href, main, ...args], {
    env: { PATH: process.env.PATH, HOME: dir, KEYFLOW_DATA_DIR: join(dir, "data"), KEYFLOW_MODULE_LOG: log },
    encoding: "utf8",
  });
  return { status: r.status, modules: readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

const heavy = (m: string) => /\/ccxt\/|better-sqlite3|@trpc|drizzle-orm|\/bullmq\/|\/ioredis\//.test(m);

describe("CLI start-up", () => {
  it("keyflow backtest loads neither ccxt, SQLite, drizzle, tRPC nor bullmq", () => {
    const r = modulesOf(["backtest", "sma-cross", "--json"]);
    expect(r.status).toBe(0);
    expect(r.modules.length).toBeGreaterThan(1);
    expect(r.modules.filter(heavy)).toEqual([]);
  });

  it("keyflow sweep --data loads neither ccxt, SQLite, drizzle, tRPC nor bullmq, in its worker threads either", () => {
    const csv = join(dir, "candles.csv");
    const rows = ["time,open,high,low,close,volume"];
    for (let i = 0; i < 400; i++) rows.push(`${1_700_000_000_000 + i * 3_600_000},${100 + 10 * Math.sin(i / 9)},${102 + 10 * Math.sin(i / 9)},${98 + 10 * Math.sin(i / 9)},${100.5 + 10 * Math.sin(i / 9)},1`);
    writeFileSync(csv, rows.join("\n"));
    const r = modulesOf(["sweep", "sma-cross", "--data", csv, "--param", "fast.period=5..7", "--threads", "2", "--json"]);
    expect(r.status).toBe(0);
    expect(r.modules.some((m) => /sweepWorker/.test(m))).toBe(true);
    expect(r.modules.filter(heavy)).toEqual([]);
  });

  it("keyflow worker loads bullmq, and neither ccxt, SQLite, drizzle nor tRPC", () => {
    const r = modulesOf(["worker", "--help"]);
    expect(r.status).toBe(0);
    expect(r.modules.some((m) => /\/bullmq\//.test(m))).toBe(true);
    expect(r.modules.filter((m) => heavy(m) && !/\/bullmq\/|\/ioredis\//.test(m))).toEqual([]);
  });

  it("while a command that needs them loads them (the hook sees every module)", () => {
    const r = modulesOf(["bots", "list"]);
    expect(r.status).toBe(0);
    expect(r.modules.some((m) => /better-sqlite3/.test(m))).toBe(true);
  });
});
