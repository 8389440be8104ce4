// Amending a working order in place (ccxt editOrder → Binance spot's atomic cancelReplace) against the
// fake, whose matching engine logs the working orders after every change: an amendment must never
// leave a moment with no order, nor two.
import { afterEach, describe, expect, it } from "vitest";
import { clientOrderId } from "./clientOrderId";
import { amendSupport, OrderGateway } from "./orderGateway";
import { Retrier } from "./retry";
import { seededRandom, virtualClock } from "./clock";
import { harness, type Harness } from "./testing/fake";

let h: Harness | undefined;
afterEach(() => h?.close());

async function setUp(opts: { cancelReplace?: boolean } = {}): Promise<{ h: Harness; gw: OrderGateway }> {
  h = await harness({ balances: { USDT: 100_000, BTC: 1 }, ...opts });
  const gw = new OrderGateway(h.connect(), new Retrier({ clock: virtualClock(Date.now()), random: seededRandom(9) }));
  await gw.loadMarkets();
  return { h, gw };
}

const BAR = Date.UTC(2024, 0, 1);

describe("OrderGateway.amendOrder", () => {
  it("moves a resting stop up in one request under a new client order id; one order works at every moment", async () => {
    const { h, gw } = await setUp();
    const last = h.fake.engine.lastPrice("BTCUSDT");
    const first = clientOrderId("bot-a", BAR, "rest-trailingStop-1");
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "market", amount: 0.1, clientOrderId: first, trigger: { kind: "stopLoss", price: last * 0.9 } });
    expect(placed.status).toBe("placed");
    if (placed.status !== "placed") return;
    let prev = { id: placed.order.id, cid: first };
    const levels = [0.92, 0.94, 0.95].map((f) => Math.round(last * f * 100) / 100);
    for (const [i, level] of levels.entries()) {
      const cid = clientOrderId("bot-a", BAR + (i + 1) * 60_000, `rest-trailingStop-${i + 2}`);
      const r = await gw.amendOrder({ symbol: "BTC/USDT", id: prev.id, clientOrderId: prev.cid, newClientOrderId: cid, side: "sell", type: "market", amount: 0.1, trigger: { kind: "stopLoss", price: level } });
      expect(r).toMatchObject({ status: "amended", sent: { amount: "0.1", price: String(level) }, order: { clientOrderId: cid } });
      if (r.status !== "amended") return;
      expect(r.order.id).not.toBe(prev.id);
      prev = { id: r.order.id, cid };
    }
    const stops = h.fake.engine.orders.filter((o) => o.type === "STOP_LOSS");
    expect(stops.map((o) => [o.status, o.stopPrice])).toEqual([["CANCELED", Math.round(last * 0.9 * 100) / 100], ...levels.slice(0, -1).map((l) => ["CANCELED", l]), ["NEW", levels.at(-1)]]);
    // The fake's check: one span with exactly one stop working throughout.
    const spans = h.fake.engine.liveSpans("BTCUSDT", (o) => o.type === "STOP_LOSS");
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ max: 1, toSeq: null });
    expect(spans[0]!.orders).toHaveLength(4);
    // One cancelReplace request per amendment, no separate cancel.
    expect(h.fake.stats.count({ method: "POST", path: "/api/v3/order/cancelReplace" })).toBe(3);
    expect(h.fake.stats.count({ method: "DELETE", path: "/api/v3/order" })).toBe(0);
    // The reservation moved with the order: 0.1 BTC locked once.
    expect(h.fake.engine.balance("BTC").locked).toBeCloseTo(0.1, 10);
  });

  it("an amendment of an order that is no longer working is refused and places nothing", async () => {
    const { h, gw } = await setUp();
    const cid = clientOrderId("bot-a", BAR, "entry");
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.01, price: 20_000, clientOrderId: cid });
    if (placed.status !== "placed") throw new Error("not placed");
    await gw.cancelOrder("BTC/USDT", { clientOrderId: cid });
    const r = await gw.amendOrder({ symbol: "BTC/USDT", id: placed.order.id, clientOrderId: cid, newClientOrderId: clientOrderId("bot-a", BAR, "entry-a1"), side: "buy", type: "limit", amount: 0.01, price: 21_000 });
    expect(r).toMatchObject({ status: "rejected", cancelled: false });
    expect(h.fake.engine.orders).toHaveLength(1);
  });

  it("a new order refused after the cancel is reported as such: the original is gone", async () => {
    const { h, gw } = await setUp();
    const last = h.fake.engine.lastPrice("BTCUSDT");
    const cid = clientOrderId("bot-a", BAR, "rest-stopLoss-1");
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "market", amount: 0.1, clientOrderId: cid, trigger: { kind: "stopLoss", price: last * 0.9 } });
    if (placed.status !== "placed") throw new Error("not placed");
    // A stop above the last price would trigger at once: Binance cancels, then refuses the new order (-2021).
    const r = await gw.amendOrder({ symbol: "BTC/USDT", id: placed.order.id, clientOrderId: cid, newClientOrderId: clientOrderId("bot-a", BAR, "rest-stopLoss-2"), side: "sell", type: "market", amount: 0.1, trigger: { kind: "stopLoss", price: last * 1.1 } });
    expect(r).toMatchObject({ status: "rejected", cancelled: true });
    expect(h.fake.engine.openOrders("BTCUSDT")).toEqual([]);
  });

  it("is offered only where the market allows cancelReplace", async () => {
    const { gw } = await setUp({ cancelReplace: false });
    const market = (await gw.loadMarkets())["BTC/USDT"]!;
    expect(amendSupport(gw.exchange, market)).toBeNull();
    const r = await gw.amendOrder({ symbol: "BTC/USDT", id: "1", clientOrderId: "kf-x", newClientOrderId: "kf-y", side: "buy", type: "limit", amount: 0.01, price: 20_000 });
    expect(r).toMatchObject({ status: "rejected", cancelled: false });
    await h!.close();
    const other = await setUp();
    expect(amendSupport(other.gw.exchange, (await other.gw.loadMarkets())["BTC/USDT"]!)).toBe("replace");
  });
});
