import ccxt, { AuthenticationError, DDoSProtection, ExchangeNotAvailable, InvalidNonce, InvalidOrder, InsufficientFunds, NetworkError, RequestTimeout, type Exchange } from "ccxt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pointCcxtAt, startFakeExchange, type FakeExchange, type FakeKey } from "./index";

let fake: FakeExchange;
const clients: Exchange[] = [];

function client(key: FakeKey | { apiKey: string; secret: string } = fake.keys.trade!, extra: Record<string, unknown> = {}): Exchange {
  const ex = pointCcxtAt(new ccxt.binance({ apiKey: key.apiKey, secret: key.secret, enableRateLimit: false, ...extra }), fake.url);
  clients.push(ex);
  return ex;
}

/** ccxt types `balance.total` oddly; read it as the asset → amount map it is. */
const amounts = (side: unknown): Record<string, number> => side as Record<string, number>;

beforeEach(async () => {
  fake = await startFakeExchange();
});
afterEach(async () => {
  for (const ex of clients.splice(0)) await ex.close();
  await fake.close();
});

describe("fake exchange speaks Binance spot to ccxt", () => {
  it("loads markets with precision and limits from the LOT_SIZE, PRICE_FILTER and NOTIONAL filters", async () => {
    const markets = await client().loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(["BTC/USDT", "ETH/USDT"]);
    const btc = markets["BTC/USDT"]!;
    expect(btc.precision).toMatchObject({ amount: 0.00001, price: 0.01 });
    expect(btc.limits.amount?.min).toBe(0.00001);
    expect(btc.limits.cost?.min).toBe(5);
    expect(fake.stats.count({ path: "/api/v3/exchangeInfo" })).toBe(1);
  });

  it("reports balances and serves closed candles only, one more after each advance", async () => {
    const ex = client();
    const bal = await ex.fetchBalance();
    expect(amounts(bal.total)["USDT"]).toBe(10_000);
    const before = await ex.fetchOHLCV("BTC/USDT", "1m", undefined, 1000);
    expect(before).toHaveLength(50);
    const [next] = fake.advance();
    const after = await ex.fetchOHLCV("BTC/USDT", "1m", undefined, 1000);
    expect(after).toHaveLength(51);
    expect(after[50]![0]).toBe(next![0]);
  });

  it("creates, fetches (by id and by client id) and cancels a limit order", async () => {
    const ex = client();
    const placed = await ex.createOrder("BTC/USDT", "limit", "buy", 0.01, 20_000, { clientOrderId: "kf-test-1" });
    expect(placed).toMatchObject({ clientOrderId: "kf-test-1", status: "open", amount: 0.01, price: 20_000 });
    expect(amounts((await ex.fetchBalance()).used)["USDT"]).toBe(200);
    expect((await ex.fetchOrder(placed.id!, "BTC/USDT")).clientOrderId).toBe("kf-test-1");
    expect((await ex.fetchOrder("", "BTC/USDT", { clientOrderId: "kf-test-1" })).id).toBe(placed.id);
    expect((await ex.fetchOpenOrders("BTC/USDT")).map((o) => o.id)).toEqual([placed.id]);
    const canceled = await ex.cancelOrder("", "BTC/USDT", { clientOrderId: "kf-test-1" });
    expect(canceled.status).toBe("canceled");
    // Binance's cancel answer carries the order's id in origClientOrderId, not clientOrderId.
    expect((canceled.info as Record<string, unknown>)["origClientOrderId"]).toBe("kf-test-1");
    expect(await ex.fetchOpenOrders("BTC/USDT")).toEqual([]);
    expect(amounts((await ex.fetchBalance()).free)["USDT"]).toBe(10_000);
  });

  it("rejects a duplicate client order id while the first order is open, accepts it again once filled (Binance rule)", async () => {
    const ex = client();
    await ex.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, { clientOrderId: "dup-1" });
    await expect(ex.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, { clientOrderId: "dup-1" })).rejects.toThrow(/Duplicate order sent/);
    await expect(ex.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, { clientOrderId: "dup-1" })).rejects.toBeInstanceOf(InvalidOrder);
    fake.advance();
    const again = await ex.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, { clientOrderId: "dup-1" });
    expect(again.status).toBe("open");
    expect(fake.engine.orders.filter((o) => o.clientOrderId === "dup-1")).toHaveLength(2);
  });

  it("fills a market order at the open of the next candle when the stream advances", async () => {
    const ex = client();
    const order = await ex.createOrder("BTC/USDT", "market", "buy", 0.01, undefined, { clientOrderId: "mkt-1" });
    expect(order.status).toBe("open");
    expect(order.filled).toBe(0);
    const [candle] = fake.advance();
    const filled = await ex.fetchOrder(order.id!, "BTC/USDT");
    expect(filled).toMatchObject({ status: "closed", filled: 0.01, average: candle![1] });
    const trades = await ex.fetchMyTrades("BTC/USDT");
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ order: order.id, price: candle![1], amount: 0.01, side: "buy" });
    expect(trades[0]!.fee).toMatchObject({ currency: "BTC", cost: 0.00001 });
    const bal = await ex.fetchBalance();
    expect(amounts(bal.total)["BTC"]).toBeCloseTo(0.5 + 0.01 - 0.00001, 8);
    expect(amounts(bal.total)["USDT"]).toBeCloseTo(10_000 - 0.01 * candle![1], 6);
  });

  it("fills a limit order only when a candle trades through its price", async () => {
    const ex = client();
    const next = fake.engine.candles["BTCUSDT"]![fake.engine.closed]!;
    const below = Math.floor(next[3] - 1000);
    const through = Math.round((next[3] + 1) * 100) / 100; // above the next low, below its open
    const far = await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, below, { clientOrderId: "far" });
    const near = await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, Math.min(through, next[1] - 0.01), { clientOrderId: "near" });
    fake.advance();
    expect((await ex.fetchOrder(far.id!, "BTC/USDT")).status).toBe("open");
    expect((await ex.fetchOrder(near.id!, "BTC/USDT")).status).toBe("closed");
  });

  it("fills partially following a per-order fill script", async () => {
    const ex = client();
    fake.scriptFills("part-1", [0.25, 0.5]);
    const o = await ex.createOrder("BTC/USDT", "market", "buy", 0.02, undefined, { clientOrderId: "part-1" });
    fake.advance();
    expect(await ex.fetchOrder(o.id!, "BTC/USDT")).toMatchObject({ status: "open", filled: 0.005, remaining: 0.015 });
    fake.advance();
    expect(await ex.fetchOrder(o.id!, "BTC/USDT")).toMatchObject({ status: "open", filled: 0.015 });
    fake.advance();
    expect(await ex.fetchOrder(o.id!, "BTC/USDT")).toMatchObject({ status: "closed", filled: 0.02 });
    expect(await ex.fetchMyTrades("BTC/USDT")).toHaveLength(3);
  });

  it("refuses orders over the balance (-2010) and under the minimum notional (-1013) like Binance", async () => {
    const ex = client();
    await expect(ex.createOrder("BTC/USDT", "market", "buy", 5, undefined, { clientOrderId: "big" })).rejects.toBeInstanceOf(InsufficientFunds);
    // ccxt maps -1013 to BadRequest; the message names the filter.
    await expect(ex.createOrder("BTC/USDT", "limit", "buy", 0.0001, 20_000, { clientOrderId: "tiny" })).rejects.toThrow(/Filter failure: NOTIONAL/);
    expect(fake.engine.orders).toHaveLength(0);
  });
});

describe("fake exchange checks credentials like Binance", () => {
  it("rejects a bad signature (-1022) and an unknown key (-2015) as AuthenticationError", async () => {
    await expect(client({ apiKey: fake.keys.trade!.apiKey, secret: "0".repeat(48) }).fetchBalance()).rejects.toThrow(/-1022/);
    await expect(client({ apiKey: fake.keys.trade!.apiKey, secret: "0".repeat(48) }).fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
    await expect(client({ apiKey: "nosuchkey", secret: fake.keys.trade!.secret }).fetchBalance()).rejects.toThrow(/-2015/);
  });

  it("refuses a timestamp outside recvWindow (-1021) until ccxt resyncs its clock", async () => {
    fake.setClockSkew(-30_000);
    const ex = client();
    // With credentials, loadMarkets first calls the SIGNED capital/config/getall (fetchCurrencies),
    // which is where the skew shows up.
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(InvalidNonce);
    await ex.loadTimeDifference();
    expect(ex.options["timeDifference"]).toBeGreaterThan(29_000);
    // ccxt memoizes the FAILED loadMarkets promise: without reload=true every call re-throws it.
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(InvalidNonce);
    await ex.loadMarkets(true);
    expect(amounts((await ex.fetchBalance()).total)["USDT"]).toBe(10_000);
  });

  it("enforces permissions per key and reports them through apiRestrictions", async () => {
    const ro = client(fake.keys.readOnly!);
    expect(await (ro as unknown as { sapiGetAccountApiRestrictions(): Promise<Record<string, unknown>> }).sapiGetAccountApiRestrictions()).toMatchObject({
      enableReading: true,
      enableSpotAndMarginTrading: false,
      enableWithdrawals: false,
      ipRestrict: true,
    });
    await expect(ro.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, { clientOrderId: "ro" })).rejects.toThrow(/-2015/);
    await expect(client(fake.keys.noRead!).fetchBalance()).rejects.toThrow(/-2015/);
  });
});

describe("fake exchange injects faults on demand", () => {
  it("answers 5xx as ExchangeNotAvailable, then serves normally", async () => {
    const ex = client();
    for (const status of [500, 502, 503]) fake.faults.inject({ kind: "status", status }, { path: "/api/v3/account" });
    for (let i = 0; i < 3; i++) await expect(ex.fetchBalance()).rejects.toBeInstanceOf(ExchangeNotAvailable);
    expect(fake.faults.pending()).toBe(0);
    expect(amounts((await ex.fetchBalance()).total)["USDT"]).toBe(10_000);
  });

  it("never answers a timed-out request (ccxt RequestTimeout)", async () => {
    const ex = client(fake.keys.trade!, { timeout: 200 });
    fake.faults.inject({ kind: "timeout" });
    await expect(ex.fetchTime()).rejects.toBeInstanceOf(RequestTimeout);
  });

  it("answers 429 and 418 with Retry-After, visible in ccxt's last_response_headers", async () => {
    const ex = client();
    fake.faults.inject({ kind: "rateLimit", status: 429, retryAfterSec: 7 });
    await expect(ex.fetchTime()).rejects.toBeInstanceOf(DDoSProtection);
    expect(ex.last_response_headers?.["Retry-After"]).toBe("7");
    fake.faults.inject({ kind: "rateLimit", status: 418, retryAfterSec: 120 });
    await expect(ex.fetchTime()).rejects.toThrow(/418/);
  });

  it("can accept an order and then drop the connection before answering", async () => {
    const ex = client();
    fake.faults.inject({ kind: "dropAfterAccept" }, { method: "POST", path: "/api/v3/order" });
    await expect(ex.createOrder("BTC/USDT", "market", "buy", 0.001, undefined, { clientOrderId: "lost-1" })).rejects.toBeInstanceOf(NetworkError);
    expect((await ex.fetchOrder("", "BTC/USDT", { clientOrderId: "lost-1" })).status).toBe("open");
  });

  it("counts requests per endpoint and per sliding window", async () => {
    const ex = client();
    await ex.fetchTime();
    await ex.fetchTime();
    await ex.fetchBalance();
    expect(fake.stats.count({ path: "/api/v3/time" })).toBe(2);
    expect(fake.stats.count({ method: "GET" })).toBeGreaterThanOrEqual(3);
    expect(fake.stats.maxInWindow(60_000)).toBe(fake.stats.requests.length);
    expect(fake.stats.maxInWindow(0.000001)).toBe(1);
  });
});
