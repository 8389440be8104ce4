// Amending a working order through ccxt's own class of each exchange against the venue fakes: OKX
// (trade/amend-order) and Bybit (/v5/order/amend) amend the order where it rests, keeping its exchange
// id and client order id, so the fake's live-order log shows one span with one order throughout; venues
// whose edit Keyflow does not use (KuCoin, Bitget, Coinbase) are refused before anything is sent.
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VenueFake, VenueId } from "../../../test/fake-exchange/index";
import { venueTrading } from "./testing/fake";
import { clientOrderId } from "./clientOrderId";
import { amendSupport, createOrderGateway, type OrderGateway } from "./orderGateway";

const START = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
const IN_PLACE = new Set<VenueId>(["okx", "bybit"]);
const VENUES: VenueId[] = ["okx", "bybit", "kucoin", "bitget", "coinbase"];

describe.each(VENUES)("amending a resting order on the fake %s", (venue) => {
  let fake: VenueFake;
  let ex: Exchange;
  let gw: OrderGateway;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ fake, ex, close } = await venueTrading(venue, START, 5));
    gw = createOrderGateway(ex);
  });
  afterAll(async () => {
    await close?.();
  });

  it(IN_PLACE.has(venue) ? "amends in place: same exchange id and client id, one order working at every moment" : "is not offered: refused before sending, the order stays as it was", async () => {
    const market = (await gw.loadMarkets())["BTC/USDT"]!;
    expect(amendSupport(ex, market)).toBe(IN_PLACE.has(venue) ? "in-place" : null);
    const last = fake.engine.lastPrice("BTCUSDT");
    const tick = (x: number) => Math.round(x * 100) / 100;
    const cid = clientOrderId("bot-v", START, "entry", venue);
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.1, price: tick(last * 0.8), clientOrderId: cid });
    if (placed.status !== "placed") throw new Error(`not placed: ${JSON.stringify(placed)}`);
    const levels = [0.82, 0.85].map((f) => tick(last * f));
    for (const [i, level] of levels.entries()) {
      const r = await gw.amendOrder({ symbol: "BTC/USDT", id: placed.order.id, clientOrderId: cid, newClientOrderId: clientOrderId("bot-v", START + (i + 1) * 60_000, "entry-a", venue), side: "buy", type: "limit", amount: 0.1, price: level });
      if (!IN_PLACE.has(venue)) {
        expect(r).toMatchObject({ status: "rejected", cancelled: false });
        continue;
      }
      expect(r).toMatchObject({ status: "amended", inPlace: true, sent: { amount: "0.1", price: String(level) }, order: { id: placed.order.id, clientOrderId: cid } });
    }
    const orders = fake.engine.orders.filter((o) => o.clientOrderId === cid);
    expect(orders).toHaveLength(1);
    // The engine holds the one order at the last price sent, and the quote reserved for it moved with it.
    expect(orders[0]).toMatchObject({ status: "NEW", price: IN_PLACE.has(venue) ? levels.at(-1) : tick(last * 0.8) });
    expect(fake.engine.balance("USDT").locked).toBeCloseTo(0.1 * orders[0]!.price, 8);
    const spans = fake.engine.liveSpans("BTCUSDT", () => true);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ max: 1, toSeq: null, orders: [orders[0]!.orderId] });
    // What the exchange reports of the order afterwards: found by its client id, at the amended price.
    expect(await gw.findOrderByClientId("BTC/USDT", cid)).toMatchObject({ id: placed.order.id, status: "open", price: orders[0]!.price });
    await gw.cancelOrder("BTC/USDT", { id: placed.order.id, clientOrderId: cid });
  });

  it.runIf(IN_PLACE.has(venue))("an amendment of an order that is no longer working is refused and changes nothing", async () => {
    const last = fake.engine.lastPrice("BTCUSDT");
    const cid = clientOrderId("bot-v", START, "entry-2", venue);
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 0.1, price: Math.round(last * 70) / 100, clientOrderId: cid });
    if (placed.status !== "placed") throw new Error("not placed");
    await gw.cancelOrder("BTC/USDT", { id: placed.order.id, clientOrderId: cid });
    const before = fake.engine.liveLog.length;
    const r = await gw.amendOrder({ symbol: "BTC/USDT", id: placed.order.id, clientOrderId: cid, newClientOrderId: clientOrderId("bot-v", START, "entry-2a", venue), side: "buy", type: "limit", amount: 0.1, price: Math.round(last * 75) / 100 });
    expect(r).toMatchObject({ status: "rejected" });
    expect(fake.engine.orders.find((o) => o.clientOrderId === cid)).toMatchObject({ status: "CANCELED", price: Math.round(last * 70) / 100 });
    expect(fake.engine.liveLog.length).toBe(before);
  });
});
