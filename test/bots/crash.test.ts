// Crash safety: a live bot in its own process is SIGKILLed at seeded random points — at named points
// inside order placement (before/after the journal write, after the send, while polling, after a fill)
// and at random moments — then restarted. At the end: no order was placed twice, no fill was lost,
// the bot's position equals the exchange's balance, and the journal agrees with the exchange.
import { mulberry32 } from "@keyflow/core";
import { clientOrderId } from "@keyflow/exchange";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles } from "../fake-exchange/index";
import { buildCli, busyFlow, processHarness, runBotProcess, sleep, type ProcessHarness } from "./harness";

const RUNS = Number(process.env.KEYFLOW_CRASH_RUNS ?? 50);
const SEED = Number(process.env.KEYFLOW_CRASH_SEED ?? 20240601);
const POINTS = ["before-journal", "after-journal", "after-send", "while-polling", "after-fill"] as const;
const START = Date.UTC(2024, 2, 1);

let h: ProcessHarness;
let botId: string;

beforeAll(async () => {
  await buildCli();
  h = await processHarness({
    candles: { BTCUSDT: makeCandles({ start: START, count: 3000, seed: 11 }), ETHUSDT: makeCandles({ start: START, count: 3000, seed: 12, startPrice: 2000 }) },
    closedAtStart: 10,
    balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
    feeRate: 0.001,
  });
  const k = h.fake.keys.trade!;
  const key = await h.services.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  botId = h.services.bots.deploy({ flow: busyFlow(), mode: "live", keyId: key.id, confirmLive: true, start: false, warmupBars: 50 }).id;
  h.services.bots.start(botId, { launch: false });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const db = () => h.services.db;
const lastClosed = () => h.fake.engine.closedCandles("BTCUSDT").at(-1)![0];
const caughtUp = () => db().bots.get(botId)!.lastBarTime === lastClosed();

function exchangeDuplicates(): string[] {
  const seen = new Map<string, number>();
  for (const o of h.fake.engine.orders) seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

describe(`crash safety: ${RUNS} kills of a live bot process`, () => {
  it("never duplicates an order, never loses a fill, and ends with the position the exchange holds", async () => {
    const rnd = mulberry32(SEED);
    const started = performance.now();
    const hits: Record<string, number> = {};
    let timedKills = 0;
    let partials = 0;
    // The next process is started while the current one runs (it waits for the bot's lease), so a
    // restart costs only what happens after the kill: reconciliation and the replay.
    const plan = () => {
      const hooked = rnd() < 0.75;
      const point = POINTS[Math.floor(rnd() * POINTS.length)]!;
      const nth = 1 + Math.floor(rnd() * 2);
      return { hooked, point, nth, killAfter: 50 + Math.floor(rnd() * 800) };
    };
    const spawnFor = (p: ReturnType<typeof plan> | null) => runBotProcess(h, botId, p?.hooked ? { KEYFLOW_CRASH_AT: `${p.point}:${p.nth}` } : {});
    let current = plan();
    let proc = await spawnFor(current);
    for (let run = 0; run < RUNS; run++) {
      // Some upcoming entries fill in two parts, so cancels of stale remainders happen too.
      const next = lastClosed() + 60_000;
      for (let b = 0; b < 8; b++) {
        if (rnd() < 0.35) {
          h.fake.scriptFills(clientOrderId(botId, next + b * 60_000, "entry"), [0.5]);
          partials++;
        }
      }
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      void proc.exited.then((e) => (exit = e));
      while (!exit && !/Running bot/.test(proc.stderr())) await sleep(5);
      const following = run + 1 < RUNS ? plan() : null;
      const nextProc = await spawnFor(following);
      const t0 = performance.now();
      // Drive the market: a new candle each time the bot has caught up, until the process dies.
      while (!exit) {
        const age = performance.now() - t0;
        if ((!current.hooked && age > current.killAfter) || age > 8000) {
          proc.child.kill("SIGKILL");
          timedKills++;
          break;
        }
        if (caughtUp()) h.fake.advance();
        await sleep(5);
      }
      const ended = await proc.exited;
      expect(ended.signal, proc.stderr()).toBe("SIGKILL");
      const fired = /crash hook: SIGKILL at (\S+)/.exec(proc.stderr());
      if (fired) hits[fired[1]!] = (hits[fired[1]!] ?? 0) + 1;
      expect(exchangeDuplicates()).toEqual([]);
      proc = nextProc;
      if (following) current = following;
    }

    // A clean run (the last process started, without a crash point): the bot recovers and trades
    // on; then candles close until nothing of it is open.
    while (!/Running bot/.test(proc.stderr())) await sleep(5);
    const t0 = performance.now();
    for (let bars = 0; performance.now() - t0 < 60_000; ) {
      await sleep(20);
      if (!caughtUp()) continue;
      if (bars >= 5 && db().bots.activeOrders(botId).length === 0) break;
      h.fake.advance();
      bars++;
    }
    await sleep(100);
    proc.child.kill("SIGTERM");
    const end = await proc.exited;
    expect(end.code, proc.stderr()).toBe(0);

    // 1. No order twice at the exchange, and every exchange order is in the journal.
    expect(exchangeDuplicates()).toEqual([]);
    const journal = new Map(db().bots.allOrders(botId).map((o) => [o.clientOrderId, o]));
    for (const o of h.fake.engine.orders) expect(journal.has(o.clientOrderId), o.clientOrderId).toBe(true);
    // 2. The journal agrees with the exchange on every order it sent.
    const statusOf = { NEW: "open", PARTIALLY_FILLED: "partially_filled", FILLED: "filled", CANCELED: "cancelled", EXPIRED: "cancelled" } as const;
    for (const o of h.fake.engine.orders) {
      const j = journal.get(o.clientOrderId)!;
      expect(j.exchangeOrderId).toBe(String(o.orderId));
      expect(j.status).toBe(statusOf[o.status]);
      expect(j.filledQty).toBeCloseTo(o.executedQty, 10);
    }
    // 3. No lost (and no invented) fills.
    const fills = db().bots.fills(botId);
    expect(fills.map((f) => f.tradeId).sort()).toEqual(h.fake.engine.trades.map((t) => String(t.id)).sort());
    // 4. Position from fills = the exchange's balance.
    let qty = 0;
    for (const f of fills) qty += f.side === "buy" ? f.amount - (f.feeCurrency === "BTC" ? f.fee : 0) : -f.amount - (f.feeCurrency === "BTC" ? f.fee : 0);
    const btc = h.fake.engine.balance("BTC");
    expect(qty).toBeCloseTo(btc.free + btc.locked, 8);
    expect(db().bots.get(botId)!.book.qty).toBeCloseTo(btc.free + btc.locked, 8);
    expect(h.fake.engine.openOrders(undefined)).toEqual([]);
    // 5. Streams were on (KEYFLOW_STREAMS defaults to on): candles and fills arrived by websocket too.
    const byStream = { candles: db().bots.candles(botId).filter((c) => c.channel === "stream").length, fills: fills.filter((f) => f.channel === "stream").length };
    expect(byStream.candles).toBeGreaterThan(0);
    expect(byStream.fills).toBeGreaterThan(0);

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const partiallyFilled = h.fake.engine.orders.filter((o) => o.status === "CANCELED" && o.executedQty > 0).length;
    console.log(
      `crash test: ${RUNS} kills (${timedKills} at random moments; hooks fired ${JSON.stringify(hits)}), ${partials} partial-fill scripts (${partiallyFilled} orders partly filled then cancelled), ` +
        `${h.fake.engine.orders.length} orders, ${fills.length} fills (${byStream.fills} by stream, ${byStream.candles} candles by stream), ${db().bots.allOrders(botId).length} journal rows, final position ${qty.toFixed(8)} BTC, ${seconds} s`,
    );
    expect(Object.keys(hits).length).toBeGreaterThanOrEqual(4);
  }, 600_000);
});
