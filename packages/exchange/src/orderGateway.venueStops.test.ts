// Venues that hold a stop apart from ordinary orders — OKX's algo orders (trade/order-algo), Bitget's
// spot plan orders (trade/place-plan-order), KuCoin's stop orders (/api/v1/stop-order) — through ccxt's
// own class of each, against the venue fakes: the gateway places the stop, finds it by our client id
// (also from a fresh gateway, as after a restart), amends it in place where the venue can (amend-algos /
// modify-plan-order; KuCoin's stops are moved by cancel + replace), cancels it (cancel-algos /
// cancel-plan-order / stop-order/cancelOrderByClientOid), and once its trigger is reached answers with
// the ordinary market order it became, whose fills are read by that order's id.
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VenueFake, VenueId } from "../../../test/fake-exchange/index";
import type { FakeOrder } from "../../../test/fake-exchange/types";
import { bitgetPlanId } from "../../../test/fake-exchange/venues/bitgetPlan";
import { kucoinStopId } from "../../../test/fake-exchange/venues/kucoinStop";
import { okxAlgoId } from "../../../test/fake-exchange/venues/okxAlgo";
import { venueTrading } from "./testing/fake";
import { clientOrderId } from "./clientOrderId";
import { amendSupport, createOrderGateway, stopSupport, type OrderGateway } from "./orderGateway";

const START = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;

/** Per venue: the stop's id on the exchange, and the paths that place, amend (null: not in place) and cancel it. */
const VENUES: { venue: VenueId; stopId: (o: FakeOrder) => string; place: string; amend: string | null; cancel: string }[] = [
  { venue: "okx", stopId: okxAlgoId, place: "/api/v5/trade/order-algo", amend: "/api/v5/trade/amend-algos", cancel: "/api/v5/trade/cancel-algos" },
  { venue: "bitget", stopId: bitgetPlanId, place: "/api/v2/spot/trade/place-plan-order", amend: "/api/v2/spot/trade/modify-plan-order", cancel: "/api/v2/spot/trade/cancel-plan-order" },
  { venue: "kucoin", stopId: kucoinStopId, place: "/api/v1/stop-order", amend: null, cancel: "/api/v1/stop-order/cancelOrderByClientOid" },
];

describe.each(VENUES)("stops held apart from ordinary orders on $venue (fake)", ({ venue, stopId, place, amend, cancel }) => {
  let fake: VenueFake;
  let ex: Exchange;
  let gw: OrderGateway;
  let close: (() => Promise<void>) | undefined;
  const tick = (x: number) => Math.round(x * 100) / 100;
  const cidOf = (intent: string, at = START) => clientOrderId(`bot-${venue}`, at, intent, venue);
  /** Requests that changed something (POST, or KuCoin's DELETE) on `path`, answered 200. */
  const posted = (path: string) => fake.requests.filter((r) => r.path === path && r.method !== "GET" && r.status === 200);
  /** A sell of 0.1 BTC resting at `price` under the client id of `intent`, and the engine order it is. */
  const placeStop = async (intent: string, kind: "stopLoss" | "takeProfit", price: number) => {
    const cid = cidOf(intent);
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "market", amount: 0.1, trigger: { kind, price }, clientOrderId: cid });
    if (placed.status !== "placed") throw new Error(`not placed: ${JSON.stringify(placed)}`);
    return { cid, placed, onExchange: fake.engine.orders.find((o) => o.clientOrderId === cid)! };
  };
  beforeAll(async () => {
    ({ fake, ex, close } = await venueTrading(venue, START, 7));
    gw = createOrderGateway(ex);
    // A position to protect.
    fake.engine.balance("BTC").free = 1;
  });
  afterAll(async () => {
    await close?.();
  });

  it("places, finds (fresh gateway too), amends in place where it can and cancels a stop; ordinary order endpoints never show it", async () => {
    const market = (await gw.loadMarkets())["BTC/USDT"]!;
    expect(stopSupport(ex, market)).toBe("stop");
    expect(amendSupport(ex, market, "stop")).toBe(amend === null ? null : "in-place");
    const last = fake.engine.lastPrice("BTCUSDT");
    const { cid, placed, onExchange } = await placeStop("rest-stop-1", "stopLoss", tick(last * 0.9));
    expect(onExchange).toMatchObject({ type: "STOP_LOSS", side: "SELL", stopPrice: tick(last * 0.9), status: "NEW" });
    expect(placed.order.id).toBe(stopId(onExchange));
    expect(posted(place)).toHaveLength(1);
    // Not an ordinary order: absent from the open orders, unknown to the ordinary lookups.
    expect((await gw.fetchOpenOrders("BTC/USDT")).some((o) => o.clientOrderId === cid)).toBe(false);

    for (const g of [gw, createOrderGateway(ex)]) {
      expect(await g.findOrderByClientId("BTC/USDT", cid)).toMatchObject({ id: stopId(onExchange), clientOrderId: cid, status: "open", triggerPrice: tick(last * 0.9), amount: 0.1, filled: 0 });
    }
    if (amend !== null) {
      // A fresh gateway (a restart) amends it in place too: by the exchange id the bot journalled.
      const r = await createOrderGateway(ex).amendOrder({ symbol: "BTC/USDT", id: placed.order.id, clientOrderId: cid, newClientOrderId: cidOf("rest-stop-2", START + 60_000), side: "sell", type: "market", amount: 0.1, trigger: { kind: "stopLoss", price: tick(last * 0.95) } });
      expect(r, JSON.stringify(r)).toMatchObject({ status: "amended", inPlace: true, order: { id: stopId(onExchange), clientOrderId: cid } });
      expect(posted(amend)).toHaveLength(1);
      expect(onExchange).toMatchObject({ stopPrice: tick(last * 0.95), status: "NEW" });
      expect(fake.engine.liveSpans("BTCUSDT", (o) => o === onExchange)).toEqual([expect.objectContaining({ max: 1, toSeq: null })]);
      expect(await gw.findOrderByClientId("BTC/USDT", cid)).toMatchObject({ status: "open", triggerPrice: tick(last * 0.95) });
    }

    // A fresh gateway (a restart) cancels it too: the ordinary cancel misses, the stop's cancel takes it.
    const cancelled = await createOrderGateway(ex).cancelOrder("BTC/USDT", { id: placed.order.id, clientOrderId: cid });
    expect(cancelled).toMatchObject({ status: "canceled", order: { clientOrderId: cid, status: "canceled" } });
    expect(onExchange.status).toBe("CANCELED");
    expect(posted(cancel)).toHaveLength(1);
    for (const g of [gw, createOrderGateway(ex)]) expect(await g.cancelOrder("BTC/USDT", { clientOrderId: cid })).toMatchObject({ status: "not-open" });
    expect(await createOrderGateway(ex).findOrderByClientId("BTC/USDT", cid)).toMatchObject({ id: stopId(onExchange), status: "canceled" });
  });

  it("a take profit rests above the price in the same book, found and cancelled like a stop", async () => {
    const last = fake.engine.lastPrice("BTCUSDT");
    const { cid, placed, onExchange } = await placeStop("rest-takeProfit-1", "takeProfit", tick(last * 1.1));
    expect(onExchange).toMatchObject({ type: "TAKE_PROFIT", side: "SELL", stopPrice: tick(last * 1.1), status: "NEW" });
    expect(await createOrderGateway(ex).findOrderByClientId("BTC/USDT", cid)).toMatchObject({ id: stopId(onExchange), status: "open", triggerPrice: tick(last * 1.1) });
    expect(await createOrderGateway(ex).cancelOrder("BTC/USDT", { id: placed.order.id, clientOrderId: cid })).toMatchObject({ status: "canceled", order: { clientOrderId: cid } });
    expect(onExchange.status).toBe("CANCELED");
  });

  it("an ordinary order is still found and cancelled as one: no stop endpoint is asked", async () => {
    const stopRequests = () => fake.requests.filter((q) => q.path === cancel || (amend !== null && q.path === amend)).length;
    const before = stopRequests();
    const last = fake.engine.lastPrice("BTCUSDT");
    const cid = cidOf("entry-1");
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.1, price: tick(last * 0.8), clientOrderId: cid });
    if (placed.status !== "placed") throw new Error(`not placed: ${JSON.stringify(placed)}`);
    expect(await createOrderGateway(ex).findOrderByClientId("BTC/USDT", cid)).toMatchObject({ id: placed.order.id, status: "open", price: tick(last * 0.8) });
    expect(await createOrderGateway(ex).cancelOrder("BTC/USDT", { id: placed.order.id, clientOrderId: cid })).toMatchObject({ status: "canceled" });
    expect(fake.engine.orders.find((o) => o.clientOrderId === cid)!.status).toBe("CANCELED");
    expect(stopRequests()).toBe(before);
  });

  it("a stop whose trigger was reached is found as the market order it became, with its fill; it can no longer be cancelled", async () => {
    const last = fake.engine.lastPrice("BTCUSDT");
    // Trigger just under the last close: the next candles reach it.
    const candles = fake.engine.candles["BTCUSDT"]!;
    const next = candles[fake.engine.closed]!;
    const trigger = tick(Math.min(last, next[1]) - 0.01);
    const { cid, placed, onExchange } = await placeStop("rest-stop-9", "stopLoss", trigger);
    for (let i = 0; i < 25 && onExchange.status === "NEW"; i++) fake.advance();
    expect(onExchange.status).toBe("FILLED");
    const found = await createOrderGateway(ex).findOrderByClientId("BTC/USDT", cid);
    expect(found).toMatchObject({ id: String(onExchange.orderId), clientOrderId: cid, status: "closed", type: "market", filled: 0.1 });
    expect(found!.id).not.toBe(stopId(onExchange));
    const trades = await gw.fetchMyTrades("BTC/USDT");
    expect(trades.filter((t) => t.orderId === found!.id).map((t) => t.amount)).toEqual(onExchange.trades.map((t) => t.qty));
    const cancels = fake.requests.filter((q) => q.path === cancel).length;
    expect(await createOrderGateway(ex).cancelOrder("BTC/USDT", { id: placed.order.id, clientOrderId: cid })).toMatchObject({ status: "not-open" });
    expect(fake.requests.filter((q) => q.path === cancel).length).toBeGreaterThan(cancels);
    expect(onExchange.status).toBe("FILLED");
  });
});
