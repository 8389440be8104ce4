// OKX holds a stop as an algo order (trade/order-algo), apart from ordinary orders: the gateway places
// it through ccxt's okx class, finds it by our client id (algoClOrdId) — also from a fresh gateway, as
// after a restart —, amends it in place (amend-algos), cancels it (cancel-algos), and once its trigger
// is reached answers with the ordinary market order it became, whose fills are read by that order's id.
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VenueFake } from "../../../test/fake-exchange/index";
import { okxAlgoId } from "../../../test/fake-exchange/venues/okxAlgo";
import { venueTrading } from "./testing/fake";
import { clientOrderId } from "./clientOrderId";
import { createOrderGateway, stopSupport, type OrderGateway } from "./orderGateway";

const START = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;

describe("stops as OKX algo orders (fake)", () => {
  let fake: VenueFake;
  let ex: Exchange;
  let gw: OrderGateway;
  let close: (() => Promise<void>) | undefined;
  const tick = (x: number) => Math.round(x * 100) / 100;
  beforeAll(async () => {
    ({ fake, ex, close } = await venueTrading("okx", START, 7));
    gw = createOrderGateway(ex);
    // A position to protect.
    fake.engine.balance("BTC").free = 1;
  });
  afterAll(async () => {
    await close?.();
  });

  it("places, finds (fresh gateway too), amends in place and cancels a stop; ordinary order endpoints never show it", async () => {
    const market = (await gw.loadMarkets())["BTC/USDT"]!;
    expect(stopSupport(ex, market)).toBe("stop");
    const last = fake.engine.lastPrice("BTCUSDT");
    const cid = clientOrderId("bot-okx", START, "rest-stop-1", "okx");
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "market", amount: 0.1, trigger: { kind: "stopLoss", price: tick(last * 0.9) }, clientOrderId: cid });
    if (placed.status !== "placed") throw new Error(`not placed: ${JSON.stringify(placed)}`);
    const onExchange = fake.engine.orders.find((o) => o.clientOrderId === cid)!;
    expect(onExchange).toMatchObject({ type: "STOP_LOSS", side: "SELL", stopPrice: tick(last * 0.9), status: "NEW" });
    expect(placed.order.id).toBe(okxAlgoId(onExchange));
    expect(fake.requests.filter((r) => r.path === "/api/v5/trade/order-algo" && r.method === "POST")).toHaveLength(1);
    // Not an ordinary order: absent from orders-pending, unknown to trade/order.
    expect((await gw.fetchOpenOrders("BTC/USDT")).some((o) => o.clientOrderId === cid)).toBe(false);

    for (const g of [gw, createOrderGateway(ex)]) {
      expect(await g.findOrderByClientId("BTC/USDT", cid)).toMatchObject({ id: okxAlgoId(onExchange), clientOrderId: cid, status: "open", triggerPrice: tick(last * 0.9), amount: 0.1, filled: 0 });
    }
    const r = await gw.amendOrder({ symbol: "BTC/USDT", id: placed.order.id, clientOrderId: cid, newClientOrderId: clientOrderId("bot-okx", START + 60_000, "rest-stop-2", "okx"), side: "sell", type: "market", amount: 0.1, trigger: { kind: "stopLoss", price: tick(last * 0.95) } });
    expect(r, JSON.stringify(r)).toMatchObject({ status: "amended", inPlace: true, order: { id: okxAlgoId(onExchange), clientOrderId: cid } });
    expect(fake.requests.filter((q) => q.path === "/api/v5/trade/amend-algos" && q.status === 200)).toHaveLength(1);
    expect(onExchange).toMatchObject({ stopPrice: tick(last * 0.95), status: "NEW" });
    expect(fake.engine.liveSpans("BTCUSDT", (o) => o === onExchange)).toEqual([expect.objectContaining({ max: 1, toSeq: null })]);
    expect(await gw.findOrderByClientId("BTC/USDT", cid)).toMatchObject({ status: "open", triggerPrice: tick(last * 0.95) });

    // A fresh gateway (a restart) cancels it too: the ordinary cancel misses, the algo cancel takes it.
    const cancelled = await createOrderGateway(ex).cancelOrder("BTC/USDT", { id: placed.order.id, clientOrderId: cid });
    expect(cancelled).toMatchObject({ status: "canceled", order: { clientOrderId: cid, status: "canceled" } });
    expect(onExchange.status).toBe("CANCELED");
    expect(await gw.cancelOrder("BTC/USDT", { clientOrderId: cid })).toMatchObject({ status: "not-open" });
  });

  it("a stop whose trigger was reached is found as the market order it became, with its fill", async () => {
    const last = fake.engine.lastPrice("BTCUSDT");
    // Trigger just under the last close: the next candles reach it.
    const candles = fake.engine.candles["BTCUSDT"]!;
    const next = candles[fake.engine.closed]!;
    const trigger = tick(Math.min(last, next[1]) - 0.01);
    const cid = clientOrderId("bot-okx", START, "rest-stop-9", "okx");
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "market", amount: 0.1, trigger: { kind: "stopLoss", price: trigger }, clientOrderId: cid });
    if (placed.status !== "placed") throw new Error(`not placed: ${JSON.stringify(placed)}`);
    const onExchange = fake.engine.orders.find((o) => o.clientOrderId === cid)!;
    for (let i = 0; i < 25 && onExchange.status === "NEW"; i++) fake.advance();
    expect(onExchange.status).toBe("FILLED");
    const found = await createOrderGateway(ex).findOrderByClientId("BTC/USDT", cid);
    expect(found).toMatchObject({ id: String(onExchange.orderId), clientOrderId: cid, status: "closed", type: "market", filled: 0.1 });
    expect(found!.id).not.toBe(okxAlgoId(onExchange));
    const trades = await gw.fetchMyTrades("BTC/USDT");
    expect(trades.filter((t) => t.orderId === found!.id).map((t) => t.amount)).toEqual(onExchange.trades.map((t) => t.qty));
  });
});
