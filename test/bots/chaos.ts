// The outside chaos run: `keyflow serve` as its own process with a live bot on the fake exchange,
// random exchange faults and partial fills, and SIGKILLs of the whole server at random moments. Then
// the fake's records are checked against the bot's journal. Short in `pnpm test` (chaos.test.ts),
// long with `KEYFLOW_CHAOS_KILLS=90 pnpm exec vitest run --project e2e test/bots/chaos.test.ts`.
import { spawn, type ChildProcess } from "node:child_process";
import { mulberry32 } from "@keyflow/core";
import { clientOrderId } from "@keyflow/exchange";
import type { Fault, FaultMatch } from "../fake-exchange/index";
import { fileURLToPath } from "node:url";
import { buildServer } from "../server/builtServer";
import { busyFlow, sleep, type ProcessHarness } from "./harness";

/** The server as `pnpm start` runs it (with its backtest worker). */
const BUILT_MAIN = fileURLToPath(new URL("../../apps/server/dist/main.js", import.meta.url));

export interface ChaosReport {
  kills: number;
  faults: number;
  partials: number;
  /** Everything every server process printed. */
  output: string;
  /** Client order ids the exchange saw more than once. */
  duplicates: string[];
  /** Exchange trades missing from the journal, and journal fills the exchange never made. */
  lostFills: string[];
  inventedFills: string[];
  position: number;
  balance: number;
  maxRequestsInWindow: number;
}

const FAULTS: Fault[] = [
  { kind: "status", status: 500, body: "<html><body><h1>500 Internal Server Error</h1></body></html>" },
  { kind: "status", status: 503 },
  { kind: "timeout" },
  { kind: "rateLimit", status: 429, retryAfterSec: 1 },
  { kind: "rateLimit", status: 418, retryAfterSec: 1 },
  { kind: "timestamp" },
  { kind: "dropAfterAccept" },
];
const WHERE: FaultMatch[] = [
  { method: "POST", path: "/api/v3/order" },
  { method: "GET", path: "/api/v3/order" },
  { method: "GET", path: "/api/v3/myTrades" },
  { method: "GET", path: "/api/v3/account" },
  { method: "GET", path: "/api/v3/klines" },
];

interface Serve {
  child: ChildProcess;
  out: () => string;
  exited: Promise<NodeJS.Signals | number | null>;
}

async function serve(main: string, env: NodeJS.ProcessEnv): Promise<Serve> {
  const child = spawn(process.execPath, [main, "serve"], { env: { ...env, KEYFLOW_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
  return { child, out: () => out, exited };
}

/** Runs `kills` server kills with faults in between, then one clean run until the bot's orders settle. */
export async function chaosRun(h: ProcessHarness, opts: { kills: number; seed: number }): Promise<ChaosReport> {
  buildServer();
  const main = BUILT_MAIN;
  const rnd = mulberry32(opts.seed);
  const k = h.fake.keys.trade!;
  const key = await h.services.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  const botId = h.services.bots.deploy({ flow: busyFlow(), mode: "live", keyId: key.id, confirmLive: true, start: false, warmupBars: 50 }).id;
  h.services.bots.start(botId, { launch: false });
  const db = h.services.db;
  const lastClosed = () => h.fake.engine.closedCandles("BTCUSDT").at(-1)![0];
  const caughtUp = () => db.bots.get(botId)!.lastBarTime === lastClosed();
  let output = "";
  let faults = 0;
  let partials = 0;

  for (let kill = 0; kill < opts.kills; kill++) {
    const s = await serve(main, h.env);
    // Alive from its start (about a second: the ccxt import, the database) to a random moment after.
    const aliveFor = 1500 + Math.floor(rnd() * 2500);
    const t0 = performance.now();
    while (performance.now() - t0 < aliveFor) {
      if (caughtUp()) {
        // About one candle in four brings a fault for one of the bot's requests.
        if (rnd() < 0.25) {
          h.fake.faults.inject(FAULTS[Math.floor(rnd() * FAULTS.length)]!, WHERE[Math.floor(rnd() * WHERE.length)]!);
          faults++;
        }
        if (rnd() < 0.3) {
          h.fake.scriptFills(clientOrderId(botId, lastClosed() + 60_000, "entry"), [0.5]);
          partials++;
        }
        h.fake.advance();
      }
      await sleep(20);
    }
    s.child.kill("SIGKILL");
    await s.exited;
    output += s.out();
  }

  // A clean run: no new faults; candles close until nothing of the bot is open any more.
  h.fake.faults.clear();
  const last = await serve(main, h.env);
  const t0 = performance.now();
  for (let bars = 0; performance.now() - t0 < 90_000; ) {
    await sleep(20);
    if (!caughtUp()) continue;
    if (bars >= 5 && db.bots.activeOrders(botId).length === 0) break;
    h.fake.advance();
    bars++;
  }
  last.child.kill("SIGTERM");
  await last.exited;
  output += last.out();
  output += db.bots.recentEvents(botId, 100_000).map((e) => e.message).join("\n");

  const seen = new Map<string, number>();
  for (const o of h.fake.engine.orders) seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1);
  const journalled = new Set(db.bots.fills(botId).map((f) => f.tradeId));
  const traded = new Set(h.fake.engine.trades.map((t) => String(t.id)));
  const btc = h.fake.engine.balance("BTC");
  const limit = h.env.KEYFLOW_RATE_LIMIT ?? "40/1000";
  const windowMs = Number(limit.split("/")[1]);
  return {
    kills: opts.kills,
    faults,
    partials,
    output,
    duplicates: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    lostFills: [...traded].filter((t) => !journalled.has(t)),
    inventedFills: [...journalled].filter((t) => !traded.has(t)),
    position: db.bots.get(botId)!.book.qty,
    balance: btc.free + btc.locked,
    maxRequestsInWindow: h.fake.stats.maxInWindow(windowMs),
  };
}
