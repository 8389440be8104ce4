// Live bots on a venue's websocket streams (issue 19): the four cases every venue must pass, through
// ccxt's own pro class of the venue against its fake (test/fake-exchange: Binance's own fake, the
// others' venues/*Ws.ts through wsHub.ts). A thin streamsVenues.<venue>.test.ts calls `streamCases`
// per venue (one file each, so vitest runs them side by side); only VENUE_STREAMS below knows a venue.
//
//   1. A fill is journalled by stream less than a second after the fake first reports it.
//   2. A cut of the user websocket mid-order loses nothing: REST finds the missed fill on reconnect.
//   3. Duplicated and reordered messages (order and candle messages; candle ones not yet on KuCoin, see
//      candleFaultGap) change nothing: the journal equals a run without faults.
//   4. REST requests per minute while the streams are healthy are at most a tenth of polling's.
//
// The rate measure (case 4), one for every venue: the same run twice, once polling and once on
// streams, each on its own fake. The flow's entry is a limit order far below the market; the run goes
// at the bot's own speed up to its entry signal, then, while the entry rests on the exchange, a candle
// closes every PACE_MS (each processed before the next), at most RATE_CANDLES of them, and the requests
// the fake answered in that window are counted. The clock stands past the last candle (every candle
// is due at once) and the bot polls every POLL_MS: polling asks for candles and for its open order at
// every turn, as it does whenever a candle is due. Where the venue streams no candles (Coinbase) they
// keep their poll in both runs: their requests are counted apart and must keep the poll's pace; the
// tenth applies to the rest. Streaming still reads each open order once per candle close (before
// deciding), so the pace sets the ratio: 5 s a candle keeps it above ten on a loaded machine (polling
// turns slow down there), and a venue's file near a minute and a half there.
import { expect, it, vi } from "vitest";
import { backtest, compile } from "@keyflow/core";
import { makeCandles, startVenueFake, type FakeTrade, type FakeWs, type MatchingEngine, type VenueId, type WsFault, type WsSent } from "../../../test/fake-exchange/index";
import { caughtUp, closedCandles, expectNoSecrets, harness, journal, leakSites, smaFlow, stepAll as stepEach, tradeTuple, until, type Harness } from "./botHelpers";

export const POLL_MS = 25;
export const PACE_MS = 5000;
export const RATE_CANDLES = 5;
/** Candles in the rate case's market: the entry signal comes before the last RATE_CANDLES. */
const RATE_RUN = 60;

/** What differs between venues; the cases read only this. */
export interface VenueStreams {
  /** ccxt streams the venue's candles (watchOHLCV); otherwise they are polled every poll interval even with streams up. */
  candles: boolean;
  /** REST paths of candle requests. */
  candlePath: RegExp;
  /**
   * The bot's poll in cases 1-3: long (5 s) where everything streams, so that what arrives sooner came by
   * stream; short where candles are polled (it sets how soon a polled candle is seen).
   */
  pollMs: number;
  /**
   * The test's clock in cases 1-3: "stream" — each candle closes as the clock reaches its end (a second
   * into the next one); "ahead" — past the last candle (every candle is due when the fake closes it).
   */
  clock: "stream" | "ahead";
  /**
   * Why duplicated and reordered candle messages are not yet part of case 3 on this venue, if they are
   * not (its order messages still are): open work, not a pass.
   */
  candleFaultGap?: string;
  /** Whether a user-channel message reports the trade (on venues that report orders, not trades: the order with at least this trade's fills). */
  reports(m: WsSent, trade: FakeTrade, engine: MatchingEngine): boolean;
}

/** How many of its order's fills a trade is (1 for the order's first). */
const nthFill = (t: FakeTrade, engine: MatchingEngine) => engine.orders.find((o) => o.orderId === t.orderId)!.trades.indexOf(t) + 1;
/** The order's filled quantity once this trade has filled. */
const cumQty = (t: FakeTrade, engine: MatchingEngine) => engine.trades.filter((x) => x.orderId === t.orderId && x.id <= t.id).reduce((sum, x) => sum + x.qty, 0);

export const VENUE_STREAMS = {
  binance: {
    candles: true,
    pollMs: 5000,
    candlePath: /\/klines$/,
    clock: "stream",
    reports: (m, t) => m.event === "executionReport" && m.payload["x"] === "TRADE" && String(m.payload["t"]) === String(t.id),
  },
  okx: {
    candles: true,
    pollMs: 5000,
    candlePath: /\/market\/(history-)?candles$/,
    clock: "stream",
    reports: (m, t) => m.event === "orders" && String(m.payload["tradeId"] ?? "") === String(t.id),
  },
  // Bybit's "order" topic carries the order's cumulative figures (its "execution" topic, which names the
  // trade, is not what ccxt's watchOrders subscribes to).
  bybit: {
    candles: true,
    pollMs: 5000,
    candlePath: /\/market\/kline$/,
    clock: "ahead",
    reports: (m, t, engine) => m.event === "order" && m.payload["orderId"] === String(t.orderId) && Number(m.payload["cumExecQty"]) >= cumQty(t, engine) - 1e-9,
  },
  kucoin: {
    candles: true,
    // Its candle messages have no closed flag: a candle is taken as closed when the next one's first
    // message arrives, so a reordered pair records the forming candle's first snapshot (open = high =
    // low = close, volume 0) as the closed candle.
    candleFaultGap: "a reordered candle message records a wrong closed candle",
    pollMs: 5000,
    candlePath: /\/market\/candles$/,
    clock: "ahead",
    reports: (m, t) => m.event === "orderChange" && m.payload["type"] === "match" && m.payload["tradeId"] === String(t.id),
  },
  // One push per order event, naming the trade it reports.
  bitget: {
    candles: true,
    pollMs: 5000,
    candlePath: /\/market\/(history-)?candles$/,
    clock: "stream",
    reports(m, t, engine) {
      const d = (m.payload["data"] as Record<string, unknown>[] | undefined)?.[0];
      if (!d || m.event !== "orders" || d["orderId"] !== String(t.orderId)) return false;
      const order = engine.orders.find((o) => o.orderId === t.orderId);
      return (order?.trades.findIndex((x) => String(x.id) === d["tradeId"]) ?? -1) + 1 >= nthFill(t, engine);
    },
  },
  // ccxt has no watchOHLCV on Coinbase: candles keep their poll, the safety net applies to orders.
  coinbase: {
    candles: false,
    pollMs: 50,
    candlePath: /\/candles$/,
    clock: "stream",
    reports: (m, t, engine) => m.event === "user" && m.payload["order_id"] === String(t.orderId) && Number(m.payload["number_of_fills"]) >= nthFill(t, engine),
  },
} satisfies Record<string, VenueStreams>;
export type StreamVenue = keyof typeof VENUE_STREAMS;

const START = Date.UTC(2024, 0, 1);

/** A venue's fake as the cases use it: its book, its websocket side, the requests it answered, the trading key. */
interface StreamFake {
  engine: MatchingEngine;
  ws: FakeWs;
  requests: { path: string }[];
  key: { apiKey: string; secret: string; passphrase?: string | undefined };
  advance(): unknown;
  close(): Promise<void>;
}

/** A live bot on the venue's fake, deployed with the fake's trading key. */
async function live(venue: StreamVenue, count: number, opts: { pollMs: number; streams?: boolean; clock: VenueStreams["clock"]; flow?: ReturnType<typeof smaFlow> }) {
  // One candle more than a case closes: a stream without a closed flag (KuCoin) tells a candle closed when the next one starts.
  const market = {
    candles: { BTCUSDT: makeCandles({ start: START, count: count + 1, seed: 7 }), ETHUSDT: makeCandles({ start: START, count: count + 1, seed: 8, startPrice: 2000 }) },
    closedAtStart: 5,
    balances: { USDT: 1_000_000, BTC: 0, ETH: 0 },
    feeRate: 0.001,
  };
  const bots = { pollMs: opts.pollMs, safetyNetMs: 60_000, streams: opts.streams ?? true, leaseMs: 60_000, unknownGraceMs: 200 };
  const clockAt = (closed: number) => (opts.clock === "stream" ? START + closed * 60_000 + 1_000 : START + (count + 1) * 60_000 + 1_000);
  let h: Harness;
  let fake: StreamFake;
  if (venue === "binance") {
    vi.setSystemTime(clockAt(5));
    h = await harness({ fake: market, bots });
    const f = h.fake;
    fake = { engine: f.engine, ws: f.ws, requests: f.stats.requests, key: f.keys.trade!, advance: () => f.advance(), close: async () => undefined };
  } else {
    const f = await startVenueFake(venue as VenueId, market);
    vi.setSystemTime(clockAt(f.engine.closed));
    h = await harness({ exchange: { urls: { [venue]: f.url } }, bots });
    fake = { engine: f.engine, ws: f.ws!, requests: f.requests, key: f.keys.trade!, advance: () => f.advance(), close: () => f.close() };
  }
  const close = async () => {
    await h.close();
    await fake.close();
  };
  try {
    const k = fake.key;
    const key = await h.caller.keys.add({ exchange: venue, apiKey: k.apiKey, secret: k.secret, password: k.passphrase });
    const flow = opts.flow ?? smaFlow(5, 13);
    flow.market = { exchange: venue, symbol: "BTC/USDT", timeframe: "1m" };
    const botId = (await h.caller.bots.deploy({ flow, mode: "live", keyId: key.id, confirmLive: true })).id;
    await caughtUp(h, botId, 10_000, fake);
    /** Closes the forming candle (the stream clock a second into the next one; a clock ahead runs on). */
    const advance = () => {
      if (opts.clock === "stream") vi.setSystemTime(clockAt(fake.engine.closed + 1));
      fake.advance();
    };
    return { h, fake, botId, flow, advance, close };
  } catch (e) {
    await close();
    throw e;
  }
}
type Live = Awaited<ReturnType<typeof live>>;

/** The bot's streams are up: orders by stream, candles by stream where the venue streams them. */
const streamsUp = (spec: VenueStreams, { h, botId }: Live) =>
  until(() => {
    const d = h.services.db.bots.get(botId)?.health?.delivery;
    return d?.orders === "stream" && d.candles === (spec.candles ? "stream" : "poll");
  }, 10_000, "the bot's streams to be up");

/** One candle at a time until `upTo` are closed (the clock moved with each), each processed before the next. */
const stepAll = ({ h, fake, botId, advance }: Live, upTo: number, between?: () => void) => stepEach(h, botId, upTo, between, { engine: fake.engine, advance });

const settled = ({ h, botId }: Live, timeoutMs = 10_000) => until(() => h.services.db.bots.activeOrders(botId).length === 0, timeoutMs, "orders to settle");

const backtestTrades = ({ flow, fake }: Live) => {
  const c = compile(flow);
  if (!c.ok) throw new Error("flow does not compile");
  return backtest(c.spec, closedCandles(fake), flow.settings).trades.map(tradeTuple);
};
const botTrades = async ({ h, botId }: Live) => (await h.caller.bots.get({ id: botId })).trades.map(tradeTuple);

/** Registers the four cases for one venue (inside the caller's describe). */
export function streamCases(venue: StreamVenue): void {
  const spec: VenueStreams = VENUE_STREAMS[venue];
  const opened: Live[] = [];
  const start = async (count: number, opts: Partial<Parameters<typeof live>[2]> = {}) => {
    const l = await live(venue, count, { pollMs: spec.pollMs, clock: spec.clock, ...opts });
    opened.push(l);
    return l;
  };
  const closeAll = async () => {
    for (const l of opened.splice(0)) await l.close();
  };

  it("journals a fill less than a second after the fake reports it, by stream", async () => {
    try {
      const l = await start(120);
      const { h, fake, botId } = l;
      await streamsUp(spec, l);
      await stepAll(l, 120);
      await settled(l, 5000);
      const fills = h.services.db.bots.fills(botId);
      expect(fills.length).toBeGreaterThan(3);
      // For each fill: when the fake first wrote a user message reporting its trade (the fake's clock), and when the bot journalled it.
      const user = fake.ws.sent.filter((m) => m.channel === "user");
      for (const f of fills) {
        const trade = fake.engine.trades.find((t) => String(t.id) === f.tradeId);
        expect(trade, `trade ${f.tradeId} is the exchange's`).toBeDefined();
        const at = user.find((m) => spec.reports(m, trade!, fake.engine))?.at;
        expect(at, `trade ${f.tradeId} was reported`).toBeDefined();
        expect(f.createdAt - at!).toBeLessThan(1000);
        expect(f.createdAt - at!).toBeGreaterThanOrEqual(0);
        expect(f.channel).toBe("stream");
      }
      expect(await botTrades(l)).toEqual(backtestTrades(l));
      // The candles it acted on came by stream too, where the venue streams them.
      const acted = h.services.db.bots.candles(botId).filter((c) => !c.warmup);
      expect(acted.length).toBeGreaterThan(100);
      if (spec.candles) expect(acted.filter((c) => c.channel === "stream").length).toBe(acted.length);
    } finally {
      await closeAll();
    }
  }, 60_000);

  it("a cut of the user websocket mid-order loses nothing: the fill missed by the stream is found by REST on reconnect", async () => {
    try {
      const l = await start(120);
      const { h, fake, botId } = l;
      await streamsUp(spec, l);
      let cuts = 0;
      await stepAll(l, 120, () => {
        // An order is working: its fill will be published while the user stream is down and its messages lost.
        if (h.services.db.bots.activeOrders(botId).some((o) => o.status === "sent" || o.status === "open")) {
          fake.ws.faults.inject({ kind: "drop", times: 4 }, "user");
          fake.ws.cut("user");
          cuts++;
        }
      });
      await settled(l);
      expect(cuts).toBeGreaterThan(2);
      expect(await botTrades(l)).toEqual(backtestTrades(l));
      // Every trade of the account is journalled once.
      expect(h.services.db.bots.fills(botId).map((f) => f.tradeId).sort()).toEqual(fake.engine.trades.map((t) => String(t.id)).sort());
      // The orders stream comes back. While the test closes a candle every few milliseconds its clock runs
      // minutes ahead between a login's signing and its check, so a venue may refuse logins as stale (OKX:
      // 60006) until the candles stop; the stream reopens after each refusal and is back once they do.
      await until(() => h.services.db.bots.eventsAfter(0, botId, 10_000).some((e) => /orders stream is back/.test(e.message)), 20_000, "the orders stream to come back");
      // The key signed its websocket login or subscription: nothing of it is logged or stored in clear.
      const k = fake.key;
      expectNoSecrets(leakSites(h), [k.apiKey, k.secret, ...(k.passphrase ? [k.passphrase] : [])]);
    } finally {
      await closeAll();
    }
  }, 60_000);

  it("duplicated and reordered messages change nothing: the journal equals a run without faults", async () => {
    const faults: WsFault[] = (["duplicate", "reorder", "duplicate", "reorder"] as const).map((kind) => ({ kind, times: 40 }));
    const run = async (faulty: boolean) => {
      try {
        const l = await start(160);
        const { h, fake, botId } = l;
        await streamsUp(spec, l);
        // Order messages and candle messages alike (see candleFaultGap).
        const channels = spec.candleFaultGap ? (["user"] as const) : (["user", "market"] as const);
        if (faulty) for (const f of faults) for (const channel of channels) fake.ws.faults.inject(f, channel);
        await stepAll(l, 160);
        await settled(l);
        fake.ws.faults.clear();
        return {
          userMessages: fake.ws.sent.filter((m) => m.channel === "user").length,
          same: {
            journal: journal(h, botId),
            trades: await botTrades(l),
            candles: h.services.db.bots.candles(botId).map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume]),
          },
        };
      } finally {
        await closeAll();
      }
    };
    const clean = await run(false);
    const faulty = await run(true);
    expect(clean.same.trades.length).toBeGreaterThan(2);
    // The faults were there: duplicates sent more user messages than the clean run.
    expect(faulty.userMessages).toBeGreaterThan(clean.userMessages);
    expect(faulty.same).toEqual(clean.same);
  }, 120_000);

  it("spends at most a tenth of polling's REST requests per minute while streams are healthy; what the venue does not stream keeps its poll (counted at the fake)", async () => {
    const perMinute = async (streams: boolean) => {
      try {
        // See the header: a resting limit entry, every candle due, a candle every PACE_MS while it rests.
        const l = await start(RATE_RUN, { pollMs: POLL_MS, streams, clock: "ahead", flow: smaFlow(5, 13, { limit: { offsetPct: 20, validBars: 1000 } }) });
        const { h, fake, botId, advance } = l;
        if (streams) await streamsUp(spec, l);
        const resting = () => fake.engine.orders.some((o) => o.type === "LIMIT" && o.status === "NEW");
        // Up to the entry signal as fast as the bot goes.
        while (!resting() && fake.engine.closed < RATE_RUN - RATE_CANDLES) {
          advance();
          await caughtUp(h, botId, 10_000, fake);
        }
        const from = fake.requests.length;
        const t0 = performance.now();
        let candles = 0;
        while (resting() && candles < RATE_CANDLES) {
          await until(() => performance.now() >= t0 + (candles + 1) * PACE_MS, PACE_MS + 5000, "the next candle's time");
          advance();
          candles++;
          await caughtUp(h, botId, 10_000, fake);
        }
        const minutes = (performance.now() - t0) / 60_000;
        const made = fake.requests.slice(from);
        const candleRequests = made.filter((r) => spec.candlePath.test(r.path)).length;
        const streamed = spec.candles ? made.length : made.length - candleRequests;
        return { streamed: streamed / minutes, candles: candleRequests / minutes, n: made.length, measured: candles, shown: h.services.db.bots.get(botId)?.health?.delivery };
      } finally {
        await closeAll();
      }
    };
    const polling = await perMinute(false);
    const streaming = await perMinute(true);
    if (process.env.KEYFLOW_PRINT_RATES) console.info(JSON.stringify({ venue, polling, streaming }));
    // The limit entry rested for several candles (polling asked about it every turn).
    expect(polling.measured).toBeGreaterThan(3);
    expect(streaming.measured).toBe(polling.measured);
    expect(polling.n).toBeGreaterThan(50);
    expect(streaming.streamed).toBeLessThanOrEqual(polling.streamed / 10);
    // Candles the venue does not stream are still asked for at the poll's pace (not the safety net's).
    if (!spec.candles) expect(streaming.candles).toBeGreaterThanOrEqual(polling.candles / 2);
    // The bot page's figures: the channel of each and the requests per minute of this bot.
    expect(streaming.shown).toMatchObject({ candles: spec.candles ? "stream" : "poll", orders: "stream" });
    expect(polling.shown).toMatchObject({ candles: "poll", orders: "poll" });
    expect(polling.shown!.requestsPerMinute).toBeGreaterThan(streaming.shown!.requestsPerMinute);
  }, 120_000);
}
