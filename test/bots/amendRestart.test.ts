// An amendment survives a restart: the bot's process is SIGKILLed while moving its trailing stop in
// place — after journalling the amendment, or after sending it — and restarted. The exchange never
// holds two stops of the bot, never none between the stop and its amendment, and the journal ends
// agreeing with the exchange (no duplicate, no lost order).
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../fake-exchange/index";
import type { FakeOrder } from "../fake-exchange/types";
import { buildCli, busyFlow, processHarness, runBotProcess, sleep, until, type BotProcess, type ProcessHarness } from "./harness";

const START = Date.UTC(2024, 4, 1);
let h: ProcessHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const isStop = (o: FakeOrder) => o.type === "STOP_LOSS";

async function crashMidAmend(point: "amend-after-journal" | "amend-after-send") {
  await buildCli();
  h = await processHarness({
    candles: { BTCUSDT: makeCandles({ start: START, count: 2000, seed: 41 }), ETHUSDT: makeCandles({ start: START, count: 2000, seed: 42, startPrice: 2000 }) },
    closedAtStart: 10,
    balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
    feeRate: 0.001,
  });
  const hh = h;
  const k = hh.fake.keys.trade!;
  const key = await hh.services.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  const flow = busyFlow(5, 20);
  flow.nodes.push({ id: "tr", kind: "trailingStop", params: { pct: 0.4 }, position: { x: 0, y: 0 } });
  flow.edges.push({ id: "e-tr", source: "buy", sourceHandle: "order", target: "tr", targetHandle: "order" });
  const botId = hh.services.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true, start: false, warmupBars: 50 }).id;
  hh.services.bots.start(botId, { launch: false });
  const db = hh.services.db;
  const lastClosed = () => hh.fake.engine.closedCandles("BTCUSDT").at(-1)![0];
  const caughtUp = () => db.bots.get(botId)!.lastBarTime === lastClosed();

  const first = await runBotProcess(hh, botId, { KEYFLOW_CRASH_AT: `${point}:1` });
  let died = false;
  void first.exited.then(() => (died = true));
  await until("the first process to warm up", () => caughtUp() || died);
  // Drive the market until the process dies inside an amendment.
  for (let i = 0; i < 600 && !died; i++) {
    hh.fake.advance();
    await until("the bot to process the candle (or die)", () => caughtUp() || died);
    await sleep(20);
  }
  const exit = await first.exited;
  expect(exit.signal).toBe("SIGKILL");
  expect(first.stderr()).toMatch(new RegExp(`SIGKILL at ${point}`));

  // What the crash left: the amendment journalled (pending), naming the stop it moves.
  const pending = db.bots.allOrders(botId).filter((o) => o.amendMode === "edit" && o.status === "pending");
  expect(pending).toHaveLength(1);
  const amendment = pending[0]!;
  const replaced = db.bots.getOrder(amendment.replaces!)!;
  expect(replaced.status).toBe("open");
  const onExchange = (cid: string) => hh.fake.engine.orders.filter((o) => o.clientOrderId === cid);
  if (point === "amend-after-journal") expect(onExchange(amendment.clientOrderId)).toEqual([]);
  else {
    // Sent: the exchange already moved the stop; only the journal does not know yet.
    expect(onExchange(amendment.clientOrderId).map((o) => o.status)).toEqual(["NEW"]);
    expect(onExchange(replaced.clientOrderId).map((o) => o.status)).toEqual(["CANCELED"]);
  }

  // Restart: reconciliation resolves the amendment before anything else happens.
  const second: BotProcess = await runBotProcess(hh, botId);
  const settled = () => {
    const a = db.bots.getOrder(amendment.clientOrderId)!;
    return a.status !== "pending" && a.status !== "unknown" && caughtUp();
  };
  await until("the restarted bot to resolve the amendment", settled, 60_000);
  // A few more candles with the restarted bot trading on.
  for (let i = 0; i < 20; i++) {
    hh.fake.advance();
    await until("the restarted bot to process the candle", caughtUp);
  }
  second.child.kill("SIGTERM");
  await second.exited;

  const engine = hh.fake.engine;
  // No client order id was ever placed twice.
  const seen = new Map<string, number>();
  for (const o of engine.orders) seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1);
  expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
  expect(onExchange(amendment.clientOrderId).length).toBeLessThanOrEqual(1);
  // Never two stops working at once; the replaced stop and its amendment (when placed) in one span.
  const spans = engine.liveSpans("BTCUSDT", isStop);
  expect(spans.every((s) => s.max === 1)).toBe(true);
  const a = db.bots.getOrder(amendment.clientOrderId)!;
  const placed = onExchange(amendment.clientOrderId)[0];
  if (placed) {
    const spanOf = (id: number) => spans.findIndex((s) => s.orders.includes(id));
    expect(spanOf(placed.orderId)).toBe(spanOf(onExchange(replaced.clientOrderId)[0]!.orderId));
    expect(a.exchangeOrderId).toBe(String(placed.orderId));
  } else {
    // Never sent (its candle passed before the restarted bot could send it): closed as not sent.
    expect(a.status).toBe("rejected");
    expect(a.message).toMatch(/Not sent/);
  }
  // The journal agrees with the exchange on every order it knows.
  for (const o of db.bots.allOrders(botId)) {
    const ex = onExchange(o.clientOrderId)[0];
    if (!ex) {
      expect(o.status).toBe("rejected");
      continue;
    }
    const expected = { NEW: ["open", "sent"], PARTIALLY_FILLED: ["partially_filled"], FILLED: ["filled"], CANCELED: ["cancelled"], EXPIRED: ["cancelled"] }[ex.status as string] ?? [];
    expect(expected, `${o.intent} ${ex.status}`).toContain(o.status);
  }
  // The bot's position equals what the exchange holds.
  const held = engine.balance("BTC").free + engine.balance("BTC").locked;
  expect(Math.abs(db.bots.get(botId)!.book.qty - held)).toBeLessThan(1e-6);
  return { amendment: a, log: db.bots.recentEvents(botId, 2000).map((e) => e.message).join("\n") };
}

describe("an amendment in flight at a crash", () => {
  it("killed after journalling it: the restart finds it was never sent and sends it once (or closes it unsent)", async () => {
    const { log } = await crashMidAmend("amend-after-journal");
    expect(log).toMatch(/Reconciled with the exchange: \d+ unfinished orders? checked/);
  }, 180_000);

  it("killed after sending it: the restart finds the moved stop by its client order id and does not send it again", async () => {
    const { amendment, log } = await crashMidAmend("amend-after-send");
    expect(["open", "filled", "cancelled"]).toContain(amendment.status);
    expect(log).toMatch(/Found the rest-\w+-\d+ order of the .* candle on the exchange \(open\); it was not sent again\./);
  }, 180_000);
});
