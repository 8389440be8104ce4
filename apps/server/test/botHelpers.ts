// Shared wiring for key and bot tests: a fake Binance, services pointed at it, and capture of
// everything the server says (log lines, responses) for the secrets check.
import { readFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { allocCandles, getTemplate, type Candles, type FlowGraph } from "@keyflow/core";
import { startFakeExchange, type FakeExchange, type FakeExchangeOptions } from "../../../test/fake-exchange/index";
import { botSettings, type BotSettings } from "../src/bots/settings";
import type { ExchangeSettings } from "../src/keys/exchangeSettings";
import { createCaller } from "../src/router/root";
import { createServices, type ServicesOptions } from "../src/services";
import { createContext } from "../src/trpc";
import { tempDir } from "./helpers";

export { startFakeExchange, type FakeExchange };

export const TEST_MASTER_KEY = "a".repeat(64);

export function exchangeSettingsFor(fake: FakeExchange, overrides: Partial<ExchangeSettings> = {}): ExchangeSettings {
  return { urls: { binance: fake.url }, timeoutMs: 1500, limit: { maxRequests: 50, windowMs: 1000 }, ccxtRateLimitMs: 1, ...overrides };
}

export interface Harness {
  dir: string;
  fake: FakeExchange;
  services: ReturnType<typeof createServices>;
  caller: ReturnType<typeof createCaller>;
  /** Every log line the server wrote. */
  logs: string[];
  /** JSON of every procedure result this harness's caller returned. */
  responses: string[];
  close(): Promise<void>;
}

/** Wraps a caller so that every result is serialized into `sink` (the caller is a proxy of proxies). */
function recording<T extends object>(target: T, sink: string[]): T {
  return new Proxy(target, {
    get(obj, prop) {
      const v = (obj as Record<PropertyKey, unknown>)[prop];
      if (prop === "then" || v === null || (typeof v !== "object" && typeof v !== "function")) return v;
      return recording(v as object, sink);
    },
    apply(fn, thisArg, args) {
      return Promise.resolve(Reflect.apply(fn as (...a: unknown[]) => unknown, thisArg, args)).then((r) => {
        sink.push(JSON.stringify(r) ?? "");
        return r;
      });
    },
  });
}

/** Bots trade their full size unless a test sets `bots.probation` (the tests that pin live trades to the backtest predate probation). */
export async function harness(opts: { fake?: FakeExchangeOptions; exchange?: Partial<ExchangeSettings>; bots?: Partial<BotSettings>; services?: ServicesOptions } = {}): Promise<Harness> {
  const fake = await startFakeExchange(opts.fake);
  const dir = tempDir("keyflow-bots-");
  const logs: string[] = [];
  const responses: string[] = [];
  const prevKey = process.env.KEYFLOW_MASTER_KEY;
  process.env.KEYFLOW_MASTER_KEY = TEST_MASTER_KEY;
  const services = createServices(
    { host: "127.0.0.1", port: 0, token: undefined, dataDir: dir, exchange: exchangeSettingsFor(fake, opts.exchange), bots: { ...botSettings(10), probation: null, ...opts.bots } },
    { demo: false, log: (l) => logs.push(l), ...opts.services },
  );
  if (prevKey === undefined) delete process.env.KEYFLOW_MASTER_KEY;
  else process.env.KEYFLOW_MASTER_KEY = prevKey;
  const caller = recording(createCaller(createContext(services)), responses);
  return {
    dir,
    fake,
    services,
    caller,
    logs,
    responses,
    async close() {
      await services.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The raw bytes of the database (and its WAL) as latin1 text, for "only ciphertext on disk" checks. */
export function databaseBytes(dir: string): string {
  return ["keyflow.db", "keyflow.db-wal"]
    .map((f) => join(dir, f))
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString("latin1"))
    .join("\n");
}

/** Every place a secret must never appear, with a name for the failure message. */
export function leakSites(h: Harness, extra: Record<string, string> = {}): Record<"database" | "logs" | "responses" | "events", string> & Record<string, string> {
  const db = h.services.db;
  const events = db.bots
    .list()
    .flatMap((b) => db.bots.recentEvents(b.id, 10_000))
    .map((e) => e.message)
    .join("\n");
  return { database: databaseBytes(h.dir), logs: h.logs.join("\n"), responses: h.responses.join("\n"), events, ...extra };
}

export function expectNoSecrets(sites: Record<string, string>, secrets: string[]): void {
  for (const secret of secrets) {
    for (const [where, text] of Object.entries(sites)) {
      if (text.includes(secret)) throw new Error(`a secret (${secret.slice(0, 3)}…) appears in ${where}`);
    }
  }
}

/** Polls until `fn` returns a truthy value (or throws after timeoutMs). */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function template(id: string): FlowGraph {
  const t = getTemplate(id);
  if (!t) throw new Error(`no template ${id}`);
  return structuredClone(t.flow);
}

/** SMA cross with chosen periods, on the fake's BTC/USDT 1m market. */
export function smaFlow(fast: number, slow: number, opts: { limit?: { offsetPct: number; validBars: number }; stopLossPct?: number; trailingPct?: number; takeProfitPct?: number; feeRate?: number; initialCash?: number } = {}): FlowGraph {
  const flow = template("sma-cross");
  flow.market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" };
  flow.settings = { ...flow.settings, feeRate: opts.feeRate ?? 0.001, initialCash: opts.initialCash ?? 10_000 };
  for (const n of flow.nodes) {
    if (n.id === "fast") n.params = { period: fast };
    if (n.id === "slow") n.params = { period: slow };
    if (n.id === "buy" && opts.limit) {
      n.kind = "limitBuy";
      n.params = { ...n.params, offsetPct: opts.limit.offsetPct, validBars: opts.limit.validBars };
    }
  }
  const risk = { sl: ["stopLoss", opts.stopLossPct], tr: ["trailingStop", opts.trailingPct], tp: ["takeProfit", opts.takeProfitPct] } as const;
  for (const [id, [kind, pct]] of Object.entries(risk)) {
    if (pct === undefined) continue;
    flow.nodes.push({ id, kind, params: { pct }, position: { x: 0, y: 0 } });
    flow.edges.push({ id: `e-${id}`, source: "buy", sourceHandle: "order", target: id, targetHandle: "order" });
  }
  return flow;
}

/** A fake exchange of any venue: its order book. */
type AnyFake = Pick<FakeExchange, "engine">;

/** The fake's closed BTCUSDT candles as engine columns. */
export function closedCandles(fake: AnyFake, symbol = "BTCUSDT"): Candles {
  const rows = fake.engine.closedCandles(symbol);
  const c = allocCandles(rows.length);
  rows.forEach((r, i) => {
    c.time[i] = r[0];
    c.open[i] = r[1];
    c.high[i] = r[2];
    c.low[i] = r[3];
    c.close[i] = r[4];
    c.volume[i] = r[5];
  });
  return c;
}

export function lastClosedTime(fake: AnyFake, symbol = "BTCUSDT"): number {
  return fake.engine.closedCandles(symbol).at(-1)![0];
}

/** Waits until the bot has processed the newest closed candle. */
export function caughtUp(h: Harness, botId: string, timeoutMs = 10_000, fake: AnyFake = h.fake): Promise<unknown> {
  return until(() => h.services.db.bots.get(botId)?.lastBarTime === lastClosedTime(fake), timeoutMs, "the bot to process the latest candle");
}

/** Waits until the bot's candles come by stream and its orders are not polled. */
export function streamsUp(h: Harness, botId: string): Promise<unknown> {
  return until(() => {
    const d = h.services.db.bots.get(botId)?.health?.delivery;
    return d?.candles === "stream" && d.orders !== "poll";
  }, 10_000, "the bot's streams to be up");
}

/**
 * One candle at a time until `upTo` candles are closed, each processed before the next closes:
 * `between` runs before each candle, `advance` closes one (the harness's fake by default).
 */
export async function stepAll(h: Harness, botId: string, upTo: number, opts: { fake?: AnyFake; advance?: () => void; between?: () => void } = {}): Promise<void> {
  const fake = opts.fake ?? h.fake;
  const advance = opts.advance ?? (() => h.fake.advance());
  await caughtUp(h, botId, 10_000, fake);
  while (fake.engine.closed < upTo) {
    opts.between?.();
    advance();
    await caughtUp(h, botId, 10_000, fake);
  }
}

/** A trade as compared between runs. */
export const tradeTuple = (t: { entryTime: number; entryPrice: number; exitTime: number | null; exitPrice: number | null; exitReason: string | null }) => [t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.exitReason];

/** Fills and orders as they would be compared between runs (no bot-derived ids or clocks). */
export const journalOf = (h: Harness, botId: string) => ({
  fills: h.services.db.bots.fills(botId).map((f) => [f.tradeId, f.side, f.price, f.amount, f.fee, f.barTime]),
  orders: h.services.db.bots.allOrders(botId).map((o) => [o.barTime, o.intent, o.side, o.status, o.filledQty, o.avgPrice]),
});
