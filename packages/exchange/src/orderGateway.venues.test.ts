// The order paths a live bot uses (markets, candles, balance, place, find by client id, fills, cancel)
// through ccxt's own class of each exchange, against the venue fakes that answer in that exchange's
// wire format from the shared matching engine.
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VenueFake, VenueId } from "../../../test/fake-exchange/index";
import { venueTrading } from "./testing/fake";
import { clientOrderId } from "./clientOrderId";
import { createOrderGateway, marketBuyNeedsCost, type OrderGateway } from "./orderGateway";

const TRADING_VENUES: VenueId[] = ["okx", "bybit", "kucoin", "bitget", "coinbase"];
/** Venues whose spot market buy spends a quote amount (ccxt's createMarketBuyOrderRequiresPrice). */
const QUOTE_SIZED_MARKET_BUYS = new Set<VenueId>(["bitget", "coinbase"]);
/** Venues that charge every fee in the quote (the others: in the asset received). */
const FEES_IN_QUOTE = new Set<VenueId>(["coinbase"]);
// A stream of current candles (the last closed an hour ago): ccxt's bitget picks its candle endpoint and
// window from the clock, as a real exchange's candles are current.
const START = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;

describe.each(TRADING_VENUES)("a live bot's order paths on the fake %s", (venue) => {
  let fake: VenueFake;
  let ex: Exchange;
  let gw: OrderGateway;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ fake, ex, close } = await venueTrading(venue, START, 3));
    gw = createOrderGateway(ex);
  });
  afterAll(async () => {
    await close?.();
  });

  it("loads the spot markets with the engine's steps and minimums", async () => {
    const m = (await gw.loadMarkets())["BTC/USDT"]!;
    expect(m).toMatchObject({ spot: true, base: "BTC", quote: "USDT", precision: { amount: 0.00001, price: 0.01 }, limits: { amount: { min: 0.00001 } } });
  });

  it("serves the closed candles oldest first, from a start time", async () => {
    const rows = await ex.fetchOHLCV("BTC/USDT", "1m", START + 3 * 60_000, 1000);
    const expected = fake.engine.closedCandles("BTCUSDT").slice(3);
    expect(rows).toEqual(expected);
  });

  it("places a market buy by client id, finds it, fills it on the next candle with its trades, and reports the balance", async () => {
    const cid = clientOrderId("bot-1", START + 9 * 60_000, "entry", venue);
    const last = fake.engine.lastPrice("BTCUSDT");
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "market", amount: 0.1, referencePrice: last, clientOrderId: cid });
    expect(placed.status).toBe("placed");
    expect(marketBuyNeedsCost(ex)).toBe(QUOTE_SIZED_MARKET_BUYS.has(venue));
    // Sized in the quote: 0.1 × the last close, rounded up to the cent, so that it buys 0.1 at that price.
    if (placed.status === "placed") expect(placed.sent.cost).toBe(QUOTE_SIZED_MARKET_BUYS.has(venue) ? (Math.ceil(0.1 * last * 100 - 1e-6) / 100).toString() : undefined);
    const open = await gw.findOrderByClientId("BTC/USDT", cid);
    // ccxt reports a quote-sized market buy's amount as what it has bought so far.
    expect(open).toMatchObject({ clientOrderId: cid, status: "open", amount: QUOTE_SIZED_MARKET_BUYS.has(venue) ? 0 : 0.1, filled: 0, side: "buy" });

    const candle = fake.advance()[0]!;
    const done = await gw.findOrderByClientId("BTC/USDT", cid);
    expect(done).toMatchObject({ clientOrderId: cid, status: "closed", amount: 0.1, filled: 0.1, average: candle[1] });
    const orderTrades = ex.has["fetchOrderTrades"] ? await ex.fetchOrderTrades(done!.id, "BTC/USDT") : (await ex.fetchMyTrades("BTC/USDT")).filter((t) => t.order === done!.id);
    const trades = orderTrades.map((t) => ({ order: t.order, price: t.price, amount: t.amount, fee: t.fee }));
    // The fee: 0.1 % of what was received (Coinbase: of the cost, in the quote).
    const fee = FEES_IN_QUOTE.has(venue) ? { cost: expect.closeTo(0.1 * candle[1] * 0.001, 8), currency: "USDT" } : { cost: 0.0001, currency: "BTC" };
    expect(trades).toEqual([{ order: done!.id, price: candle[1], amount: 0.1, fee: expect.objectContaining(fee) }]);
    const mine = await gw.fetchMyTrades("BTC/USDT");
    expect(mine.map((t) => t.orderId)).toContain(done!.id);

    const b = await gw.fetchBalance();
    if (FEES_IN_QUOTE.has(venue)) {
      expect(b.total["BTC"]).toBeCloseTo(0.1, 10);
      expect(b.total["USDT"]).toBeCloseTo(50_000 - 0.1 * candle[1] * 1.001, 6);
    } else {
      expect(b.total["BTC"]).toBeCloseTo(0.0999, 10);
      expect(b.total["USDT"]).toBeCloseTo(50_000 - 0.1 * candle[1], 6);
    }
  });

  it("places and cancels a limit sell by client id; a second cancel says the order is not open", async () => {
    const cid = clientOrderId("bot-1", START + 11 * 60_000, "exit", venue);
    const placed = await gw.placeOrder({ symbol: "BTC/USDT", side: "sell", type: "limit", amount: 0.05, price: 99_999, clientOrderId: cid });
    expect(placed.status).toBe("placed");
    expect((await gw.fetchBalance()).used["BTC"]).toBeCloseTo(0.05, 10);
    expect((await gw.fetchOpenOrders("BTC/USDT")).map((o) => o.clientOrderId)).toEqual([cid]);
    const c = await gw.cancelOrder("BTC/USDT", { clientOrderId: cid });
    expect(c.status).toBe("canceled");
    expect(await gw.fetchOpenOrders("BTC/USDT")).toEqual([]);
    expect((await gw.fetchBalance()).used["BTC"] ?? 0).toBe(0);
    expect((await gw.cancelOrder("BTC/USDT", { clientOrderId: cid })).status).toBe("not-open");
  });

  it("refuses an order the balance cannot pay, as the exchange's insufficient-funds error", async () => {
    const r = await gw.placeOrder({ symbol: "BTC/USDT", side: "buy", type: "limit", amount: 10, price: 30_000, clientOrderId: clientOrderId("bot-1", START, "big", venue) });
    expect(r).toMatchObject({ status: "rejected", reason: "insufficient-funds" });
  });
});
