import { FLOW_FORMAT, FLOW_VERSION, type FlowGraph } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import type { BotBook } from "../src";
import { tempDb } from "./helpers";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const flow: FlowGraph = {
  format: FLOW_FORMAT,
  version: FLOW_VERSION,
  name: "f",
  description: "",
  market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" },
  settings: { initialCash: 1000, feeRate: 0.001, slippage: 0, sizing: { mode: "percentEquity", value: 100 } },
  nodes: [],
  edges: [],
};
const book: BotBook = { qty: 0, cash: 1000, avgEntryPrice: 0, entryTime: null, markPrice: null, markTime: null, realizedPnl: 0, fees: 0, peak: 0, costBasis: 0, entryRule: null, exitWanted: null, exitAttempts: 0, dust: 0 };
const limits = { maxOrderValue: null, maxPosition: null, maxDailyLoss: null, maxOrdersPerHour: null };

function setup() {
  const t = tempDb();
  cleanup = t.cleanup;
  const key = t.db.keys.create({
    id: "k1",
    exchange: "binance",
    label: "main",
    maskedKey: "AbC1…9xYz",
    apiKeySealed: "v1.x.a.b.c",
    secretSealed: "v1.x.d.e.f",
    passwordSealed: null,
    uidSealed: null,
    permissions: { canRead: true, canTrade: true, canWithdraw: false, ipRestricted: true, method: "binance-api-restrictions" },
    warnings: [],
    probeStatus: "ok",
    probeMessage: null,
    liveAllowed: true,
  });
  const bot = t.db.bots.create({
    id: "b1",
    name: "bot",
    strategyId: null,
    strategyVersion: null,
    flow,
    spec: { format: "keyflow.spec", version: 1, nodes: [] },
    specHash: "h",
    exchange: "binance",
    symbol: "BTC/USDT",
    timeframe: "1m",
    mode: "live",
    keyId: key.id,
    risk: limits,
    status: "running",
    warmupBars: 10,
    book,
  });
  return { db: t.db, bot, key };
}

describe("bot repository", () => {
  it("journals an order once per client order id and returns the existing row on a repeat", () => {
    const { db } = setup();
    const order = { botId: "b1", symbol: "BTC/USDT", clientOrderId: "kf-1", barTime: 60_000, intent: "entry", side: "buy", type: "market", amount: 0.1, price: null, status: "pending" } as const;
    expect(db.bots.journal(order).created).toBe(true);
    db.bots.updateOrder("kf-1", { status: "filled", filledQty: 0.1 });
    const again = db.bots.journal(order);
    expect(again.created).toBe(false);
    expect(again.order.status).toBe("filled");
    expect(db.bots.activeOrders("b1")).toEqual([]);
    expect(db.bots.countOrdersSince("b1", 0)).toBe(1);
  });

  it("records a fill once per exchange trade", () => {
    const { db } = setup();
    const fill = { botId: "b1", symbol: "BTC/USDT", clientOrderId: "kf-1", tradeId: "t1", side: "buy", price: 100, amount: 1, cost: 100, fee: 0.001, feeCurrency: "BTC", time: 1, barTime: 60_000, realizedPnl: null } as const;
    expect(db.bots.recordFill(fill)).toBe(true);
    expect(db.bots.recordFill(fill)).toBe(false);
    expect(db.bots.fills("b1")).toHaveLength(1);
  });

  it("reads one market's journal of a bot over several markets, or all of it", () => {
    const { db } = setup();
    const row = (symbol: string, cid: string, status: "open" | "filled") => ({ botId: "b1", symbol, clientOrderId: cid, barTime: 60_000, intent: "entry", side: "buy", type: "market", amount: 1, price: null, status }) as const;
    db.bots.journal(row("BTC/USDT", "kf-b", "open"));
    db.bots.journal(row("ETH/USDT", "kf-e", "open"));
    db.bots.journal(row("ETH/USDT", "kf-e2", "filled"));
    const fill = (symbol: string, cid: string, tradeId: string) => ({ botId: "b1", symbol, clientOrderId: cid, tradeId, side: "buy", price: 1, amount: 1, cost: 1, fee: 0, feeCurrency: "USDT", time: 1, barTime: 60_000, realizedPnl: null }) as const;
    expect(db.bots.recordFill(fill("ETH/USDT", "kf-e2", "t1"))).toBe(true);
    // Exchanges number trades per market (Binance): the same trade id in another market is another fill.
    expect(db.bots.recordFill(fill("BTC/USDT", "kf-b", "t1"))).toBe(true);
    expect(db.bots.recordFill(fill("BTC/USDT", "kf-b", "t1"))).toBe(false);
    expect(db.bots.activeOrders("b1", "ETH/USDT").map((o) => o.clientOrderId)).toEqual(["kf-e"]);
    expect(db.bots.allOrders("b1", "ETH/USDT").map((o) => o.clientOrderId)).toEqual(["kf-e", "kf-e2"]);
    expect(db.bots.activeOrders("b1").map((o) => o.clientOrderId)).toEqual(["kf-b", "kf-e"]);
    expect(db.bots.fills("b1", "BTC/USDT").map((f) => [f.symbol, f.tradeId])).toEqual([["BTC/USDT", "t1"]]);
    expect(db.bots.fills("b1").map((f) => f.symbol)).toEqual(["ETH/USDT", "BTC/USDT"]);
  });

  it("gives the lease to one holder; a stale holder is taken over", () => {
    const { db } = setup();
    const mine = { pid: 1, host: "h", token: "a", until: Date.now() + 10_000 };
    const theirs = { pid: 2, host: "h", token: "b", until: Date.now() + 10_000 };
    expect(db.bots.acquireLease("b1", mine, () => false)).toEqual({ ok: true });
    expect(db.bots.acquireLease("b1", theirs, () => false)).toMatchObject({ ok: false, holder: { token: "a" } });
    expect(db.bots.renewLease("b1", "b", Date.now())).toBe(false);
    expect(db.bots.acquireLease("b1", theirs, (held) => held.pid === 1)).toEqual({ ok: true });
    expect(db.bots.renewLease("b1", "a", Date.now())).toBe(false);
  });

  it("lists live bots that block deleting their key; deleting the key unlinks stopped bots", () => {
    const { db } = setup();
    expect(db.bots.liveUsingKey("k1").map((b) => b.id)).toEqual(["b1"]);
    db.bots.update("b1", { status: "stopped" });
    expect(db.bots.liveUsingKey("k1")).toEqual([]);
    expect(db.keys.remove("k1")).toBe(true);
    expect(db.bots.get("b1")!.keyId).toBeNull();
  });

  it("rotation swaps the sealed values in place and bumps the version", () => {
    const { db } = setup();
    const probe = { permissions: null, warnings: [], probeStatus: "ok" as const, probeMessage: null, liveAllowed: true };
    const row = db.keys.rotate("k1", { apiKeySealed: "v1.x.g.h.i", secretSealed: "v1.x.j.k.l", passwordSealed: null, uidSealed: null, maskedKey: "New1…2345" }, probe)!;
    expect(row).toMatchObject({ credentialsVersion: 2, secretSealed: "v1.x.j.k.l", maskedKey: "New1…2345" });
    expect(row.rotatedAt).not.toBeNull();
  });
});
