import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clientOrderId } from "./clientOrderId";
import { OrderGateway } from "./orderGateway";
import { Retrier } from "./retry";
import { seededRandom, virtualClock } from "./clock";
import { harness, type Harness } from "./testing/fake";

let h: Harness;
let gw: OrderGateway;
const POST_ORDER = { method: "POST", path: "/api/v3/order" };

beforeEach(async () => {
  h = await harness();
  gw = new OrderGateway(h.connect(), new Retrier({ clock: virtualClock(Date.now()), random: seededRandom(9) }));
  await gw.loadMarkets();
});
afterEach(() => h.close());

describe("OrderGateway.placeOrder", () => {
  it("rounds the amount down to the step and sends the client order id; fills at the next open", async () => {
    const id = clientOrderId("bot-7", Date.UTC(2024, 0, 1), "entry");
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.0123456789, clientOrderId: id });
    expect(r.status).toBe("placed");
    if (r.status !== "placed") return;
    expect(r.sent).toEqual({ amount: "0.01234", price: undefined });
    expect(r.order).toMatchObject({ clientOrderId: id, status: "open", amount: 0.01234, filled: 0 });
    const [candle] = h.fake.advance();
    expect(await gw.findOrderByClientId("BTC/USDT", id)).toMatchObject({ status: "closed", filled: 0.01234, average: candle![1] });
  });

  it("rounds a limit price to the tick", async () => {
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.001, price: 20_000.126, clientOrderId: "kf-lim" });
    expect(r).toMatchObject({ status: "placed", sent: { amount: "0.001", price: "20000.13" }, order: { price: 20_000.13 } });
  });

  it("checks minimum amount and minimum value locally, without a request", async () => {
    const tooSmall = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.000004, clientOrderId: "kf-a" });
    expect(tooSmall).toMatchObject({ status: "rejected", reason: "below-min-amount" });
    const tooCheap = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.0001, price: 20_000, clientOrderId: "kf-b" });
    expect(tooCheap).toMatchObject({ status: "rejected", reason: "below-min-cost" });
    expect(tooCheap.status === "rejected" && tooCheap.message).toMatch(/minimum order value of 5 USDT/);
    const cheapMarket = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "market", amount: 0.0001, referencePrice: 30_000, clientOrderId: "kf-c" });
    expect(cheapMarket).toMatchObject({ status: "rejected", reason: "below-min-cost" });
    const noPrice = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.01, clientOrderId: "kf-d" });
    expect(noPrice).toMatchObject({ status: "rejected", reason: "missing-price" });
    const unknown = await gw.placeOrder({ symbol: "DOGE/USDT", side: "buy", type: "market", amount: 10, clientOrderId: "kf-e" });
    expect(unknown).toMatchObject({ status: "rejected", reason: "unknown-market" });
    expect(h.fake.stats.count(POST_ORDER)).toBe(0);
  });

  it("reports a duplicate client order id of an open order as rejected, leaving the first order alone", async () => {
    const req = { symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.001, price: 20_000, clientOrderId: "kf-dup" } as const;
    expect((await gw.placeOrder(req)).status).toBe("placed");
    const again = await gw.placeOrder(req);
    expect(again).toMatchObject({ status: "rejected", reason: "invalid-order" });
    expect(again.status === "rejected" && again.message).toMatch(/Duplicate order sent/);
    expect(await gw.fetchOpenOrders("BTC/USDT")).toHaveLength(1);
  });

  it("follows a partial fill to completion", async () => {
    h.fake.scriptFills("kf-part", [0.4]);
    await gw.placeOrder({ symbol: "ETH/USDT", side: "sell", type: "market", amount: 1, clientOrderId: "kf-part" });
    h.fake.advance();
    expect(await gw.findOrderByClientId("ETH/USDT", "kf-part")).toMatchObject({ status: "open", filled: 0.4, remaining: 0.6 });
    h.fake.advance();
    expect(await gw.findOrderByClientId("ETH/USDT", "kf-part")).toMatchObject({ status: "closed", filled: 1, remaining: 0 });
    const trades = await gw.fetchMyTrades("ETH/USDT");
    expect(trades.map((t) => t.amount)).toEqual([0.4, 0.6]);
    expect(trades[0]).toMatchObject({ side: "sell", takerOrMaker: "taker", fee: { currency: "USDT" } });
  });
});

describe("OrderGateway lookups and cancels", () => {
  it("returns null for a client order id the exchange never saw", async () => {
    expect(await gw.findOrderByClientId("BTC/USDT", "kf-never")).toBeNull();
  });

  it("cancels by client order id, keeps the order's own client id, and a second cancel is harmless", async () => {
    await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.001, price: 20_000, clientOrderId: "kf-cxl" });
    const first = await gw.cancelOrder("BTC/USDT", { clientOrderId: "kf-cxl" });
    expect(first).toMatchObject({ status: "canceled", order: { clientOrderId: "kf-cxl", status: "canceled" } });
    expect(await gw.cancelOrder("BTC/USDT", { clientOrderId: "kf-cxl" })).toMatchObject({ status: "not-open" });
    expect(await gw.fetchOpenOrders("BTC/USDT")).toEqual([]);
  });

  it("cancels by exchange id", async () => {
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "limit", amount: 0.001, price: 90_000, clientOrderId: "kf-cxl2" });
    if (r.status !== "placed") throw new Error(r.message);
    expect(await gw.cancelOrder("BTC/USDT", { id: r.order.id })).toMatchObject({ status: "canceled", order: { id: r.order.id } });
  });

  it("reports balances with free, used and total", async () => {
    await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.01, price: 20_000, clientOrderId: "kf-bal" });
    const bal = await gw.fetchBalance();
    expect(bal.used["USDT"]).toBe(200);
    expect(bal.free["USDT"]).toBe(9_800);
    expect(bal.total["BTC"]).toBe(0.5);
  });
});
