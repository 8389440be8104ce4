// A stop resting on the exchange protects the position while Keyflow is down: the bot's process is
// SIGKILLed with the stop working, the market falls through it, and the restarted bot learns from the
// exchange that its position was closed, journals the exit and holds nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCandles } from "../fake-exchange/index";
import { buildCli, busyFlow, processHarness, runBotProcess, sleep, until, type ProcessHarness } from "./harness";

const START = Date.UTC(2024, 3, 1);
let h: ProcessHarness;

beforeAll(async () => {
  await buildCli();
  h = await processHarness({
    candles: { BTCUSDT: makeCandles({ start: START, count: 2000, seed: 31 }), ETHUSDT: makeCandles({ start: START, count: 2000, seed: 32, startPrice: 2000 }) },
    closedAtStart: 10,
    balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
    feeRate: 0.001,
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe("a stop resting on the exchange", () => {
  it("fills while the Keyflow process is killed; after the restart the bot knows the position is closed and journals the exit", async () => {
    const k = h.fake.keys.trade!;
    const key = await h.services.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
    // A slow cross (few signal exits) with a tight stop loss.
    const flow = busyFlow(5, 20);
    flow.nodes.push({ id: "sl", kind: "stopLoss", params: { pct: 0.3 }, position: { x: 0, y: 0 } });
    flow.edges.push({ id: "e-sl", source: "buy", sourceHandle: "order", target: "sl", targetHandle: "order" });
    const botId = h.services.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true, start: false, warmupBars: 50 }).id;
    h.services.bots.start(botId, { launch: false });
    const db = h.services.db;
    const lastClosed = () => h.fake.engine.closedCandles("BTCUSDT").at(-1)![0];
    const caughtUp = () => db.bots.get(botId)!.lastBarTime === lastClosed();
    const working = () => h.fake.engine.openOrders("BTCUSDT").filter((o) => o.type === "STOP_LOSS");

    const first = await runBotProcess(h, botId);
    await until("the first process to warm up", caughtUp);
    // Drive the market until the bot holds a position with its stop working on the exchange.
    while (working().length === 0) {
      h.fake.advance();
      await until("the bot to process the candle", caughtUp);
      await sleep(30);
    }
    const stop = working()[0]!;
    const held = db.bots.get(botId)!.book.qty;
    expect(held).toBeGreaterThan(0);
    first.child.kill("SIGKILL");
    await first.exited;

    // Keyflow is down: the market keeps moving until the exchange executes the stop.
    let candles = 0;
    while (stop.status !== "FILLED") {
      h.fake.advance();
      if (++candles > 500) throw new Error("the stop never filled");
    }
    expect(h.fake.engine.balance("BTC").free + h.fake.engine.balance("BTC").locked).toBeLessThan(0.00001);

    const second = await runBotProcess(h, botId);
    await until("the restarted bot to catch up", () => caughtUp() && db.bots.activeOrders(botId).length === 0);
    second.child.kill("SIGTERM");
    await second.exited;

    const row = db.bots.allOrders(botId).find((o) => o.clientOrderId === stop.clientOrderId)!;
    expect(row.intent).toMatch(/^rest-stopLoss-\d+$/);
    expect(row.status).toBe("filled");
    const fills = db.bots.fillsForOrder(stop.clientOrderId);
    expect(fills.map((f) => f.tradeId)).toEqual(stop.trades.map((t) => String(t.id)));
    expect(fills[0]!.realizedPnl).not.toBeNull();
    // The bot is flat, like the exchange, and its trade list ends with the stop-loss exit.
    expect(db.bots.get(botId)!.book.qty).toBeLessThan(0.00001);
    const trades = h.services.bots.get(botId).trades;
    expect(trades.at(-1)).toMatchObject({ exitReason: "stopLoss", exitPrice: stop.trades[0]!.price });
    // No sell was sent after the restart for the position the stop had closed.
    expect(h.fake.engine.orders.filter((o) => o.side === "SELL" && o.orderId > stop.orderId)).toEqual([]);
    const log = db.bots.recentEvents(botId, 1000).map((e) => e.message).join("\n");
    expect(log).toMatch(/Sell order \(rest-stopLoss-\d+, candle [^)]*\) filled/);
    expect(log).toMatch(/Reconciled with the exchange: 1 unfinished order checked, 0 still open, 1 fill recovered/);
  }, 120_000);
});
