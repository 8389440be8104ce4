// Amend in place: a live bot's trailing stop moved up on the exchange. Where the market allows Binance's
// cancelReplace, one request moves it and the fake's live-order log shows exactly one stop working at
// every moment of a position; where it does not, the bot cancels and places, and journals the gap.
import { afterEach, describe, expect, it } from "vitest";
import { makeCandles } from "../../../test/fake-exchange/index";
import type { FakeOrder } from "../../../test/fake-exchange/types";
import { caughtUp, harness, smaFlow, until, type Harness } from "./botHelpers";

const START = Date.UTC(2024, 6, 1);
const fakeOpts = (extra: { cancelReplace?: boolean } = {}) => ({
  candles: { BTCUSDT: makeCandles({ start: START, count: 2000, seed: 21 }), ETHUSDT: makeCandles({ start: START, count: 2000, seed: 22, startPrice: 2000 }) },
  closedAtStart: 10,
  balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
  feeRate: 0.001,
  ...extra,
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function trailingBot(hh: Harness): Promise<string> {
  const k = hh.fake.keys.trade!;
  const key = await hh.caller.keys.add({ exchange: "binance", apiKey: k.apiKey, secret: k.secret });
  const bot = await hh.caller.bots.deploy({ flow: smaFlow(3, 8, { trailingPct: 0.4 }), mode: "live", keyId: key.id, confirmLive: true, warmupBars: 50 });
  return bot.id;
}

async function stepUntil(hh: Harness, botId: string, done: () => boolean, maxBars = 600): Promise<void> {
  for (let i = 0; i < maxBars && !done(); i++) {
    hh.fake.advance();
    await caughtUp(hh, botId);
  }
  if (!done()) throw new Error("condition not reached");
}

const isStop = (o: FakeOrder) => o.type === "STOP_LOSS";

describe("amend in place", () => {
  it("Binance spot: the trailing stop moves by cancelReplace under its own client order id, and one stop works at every moment", async () => {
    h = await harness({ fake: fakeOpts() });
    const hh = h;
    const botId = await trailingBot(hh);
    const journal = () => hh.services.db.bots.allOrders(botId);
    const amendments = () => journal().filter((o) => o.amendMode === "edit" && o.status !== "rejected");
    await stepUntil(hh, botId, () => amendments().length >= 4 && hh.services.bots.get(botId).trades.length >= 2);

    const engine = hh.fake.engine;
    const byCid = new Map(engine.orders.map((o) => [o.clientOrderId, o]));
    for (const a of amendments()) {
      // Journalled as its own order that names the stop it replaced; the replaced one ended cancelled.
      const old = journal().find((o) => o.clientOrderId === a.replaces)!;
      expect(old.status).toBe("cancelled");
      expect(old.message).toMatch(/^Amended in place: replaced by rest-\w+-\d+ at [\d.]+\.$/);
      expect(a.intent).toMatch(/^rest-(trailingStop|stopLoss)-\d+$/);
      expect(a.price!).toBeGreaterThan(old.price!);
      expect(a.gapMs).toBeNull();
      // On the exchange: a new order with the amendment's client id, the old one cancelled.
      expect(byCid.get(a.clientOrderId)).toMatchObject({ type: "STOP_LOSS", stopPrice: a.price });
      expect(byCid.get(old.clientOrderId)!.status).toBe("CANCELED");
    }
    expect(hh.fake.stats.count({ method: "POST", path: "/api/v3/order/cancelReplace" })).toBe(amendments().length);

    // The fake's check: every amendment and the stop it replaced lie in one span of working stops,
    // and no span ever had two stops working at once.
    const spans = engine.liveSpans("BTCUSDT", isStop);
    expect(spans.every((s) => s.max === 1)).toBe(true);
    const spanOf = (cid: string) => spans.findIndex((s) => s.orders.includes(byCid.get(cid)!.orderId));
    for (const a of amendments()) expect(spanOf(a.clientOrderId)).toBe(spanOf(a.replaces!));
    // Fewer spans than stops: the amendments did not open new ones.
    expect(spans.length).toBeLessThan(engine.orders.filter(isStop).length);
    const log = hh.services.db.bots.recentEvents(botId, 1000).map((e) => e.message).join("\n");
    expect(log).toMatch(/Moved the trailing stop in place on the exchange \(the trailing stop moves up to [\d.]+\)/);
  });

  it("where the market cannot cancelReplace, the stop is cancelled and placed again, and the gap is measured and journalled", async () => {
    h = await harness({ fake: fakeOpts({ cancelReplace: false }) });
    const hh = h;
    const botId = await trailingBot(hh);
    const journal = () => hh.services.db.bots.allOrders(botId);
    const replaced = () => journal().filter((o) => o.amendMode === "cancel-replace" && o.status !== "rejected" && o.status !== "pending");
    await stepUntil(hh, botId, () => replaced().length >= 3);

    expect(hh.fake.stats.count({ method: "POST", path: "/api/v3/order/cancelReplace" })).toBe(0);
    const engine = hh.fake.engine;
    const byCid = new Map(engine.orders.map((o) => [o.clientOrderId, o]));
    const spans = engine.liveSpans("BTCUSDT", isStop);
    const spanOf = (cid: string) => spans.findIndex((s) => s.orders.includes(byCid.get(cid)!.orderId));
    for (const r of replaced()) {
      const old = journal().find((o) => o.clientOrderId === r.replaces)!;
      expect(old.status).toBe("cancelled");
      expect(r.gapMs).not.toBeNull();
      expect(r.gapMs!).toBeGreaterThanOrEqual(0);
      // The fake saw the moment with no stop: the replacement starts a new span.
      expect(spanOf(r.clientOrderId)).toBe(spanOf(old.clientOrderId) + 1);
      expect(engine.liveLog[spans[spanOf(old.clientOrderId)]!.toSeq!]!.open.filter((id) => isStop(engine.orders.find((o) => o.orderId === id)!))).toEqual([]);
    }
    expect(spans.every((s) => s.max === 1)).toBe(true);
    const log = hh.services.db.bots.recentEvents(botId, 1000).map((e) => e.message).join("\n");
    expect(log).toMatch(/Replaced by cancel and new order \(the exchange cannot amend it in place\): no stop was working for \d+ ms\./);
    // The bot page's journal carries the gap.
    const shown = hh.services.bots.get(botId).orders.find((o) => o.clientOrderId === replaced()[0]!.clientOrderId)!;
    expect(shown).toMatchObject({ amendMode: "cancel-replace", replaces: replaced()[0]!.replaces, gapMs: replaced()[0]!.gapMs });
  });

  it("a restart whose book lost the entry (a crash before it was written) still protects and moves the stop", async () => {
    h = await harness({ fake: fakeOpts() });
    const hh = h;
    const botId = await trailingBot(hh);
    const resting = () => hh.fake.engine.openOrders("BTCUSDT").filter(isStop);
    await stepUntil(hh, botId, () => resting().length === 1);
    await hh.caller.bots.pause({ id: botId });
    await hh.services.bots.settle(botId);
    // What a crash between recording the entry fill and writing the book leaves: fills, no entry rule.
    const book = hh.services.db.bots.get(botId)!.book;
    expect(book.entryRule).toBe(0);
    hh.services.db.bots.update(botId, { book: { ...book, entryRule: null, peak: 0 } });
    await hh.caller.bots.start({ id: botId });
    await until(() => hh.services.db.bots.get(botId)!.status === "running", 5000, "running");
    await caughtUp(hh, botId);
    await until(() => hh.services.db.bots.get(botId)!.book.entryRule === 0, 5000, "the restarted bot to find the entry rule from the entry order");
    // The restarted bot keeps following the position's stop: it is moved (or it fills) as before.
    const before = hh.services.db.bots.allOrders(botId).length;
    await stepUntil(hh, botId, () => hh.services.db.bots.allOrders(botId).slice(before).some((o) => o.amendMode === "edit") || resting().length === 0, 200);
    expect(hh.services.db.bots.allOrders(botId).slice(before).some((o) => o.amendMode === "edit") || hh.fake.engine.orders.some((o) => isStop(o) && o.status === "FILLED")).toBe(true);
  });
});
