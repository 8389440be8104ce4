// Websocket streams through ccxt's unified watch methods: closed candles (watchOHLCV) and order
// updates (watchOrders), one connection per (exchange, key) shared by every bot on it and closed when
// the last one lets go. A dropped connection is reopened with back-off; each time it is (re)opened the
// listeners are told ("up"), so they reconcile over REST whatever the stream may have missed — the
// journal never depends on a message arriving. Order messages only wake the bot (it then reads the
// order by REST), so a duplicated or reordered message changes nothing. A login the exchange refuses
// or never answers is not retried by ccxt on that connection, so the order stream then opens a new one.
import { ExchangeClosedByUser, type Exchange } from "ccxt";
import { redact } from "./redact";

/** A closed candle: [open time, open, high, low, close, volume]; values absent when the exchange's stream only tells that it closed. */
export interface StreamCandle {
  time: number;
  values: [number, number, number, number, number] | null;
}

export type StreamState = "connecting" | "up" | "down";

export interface CandleListener {
  /** A candle closed (in the order messages arrive: may repeat, skip or go back). */
  candle(c: StreamCandle): void;
  state(s: StreamState, why?: string): void;
}

export interface OrderListener {
  /** Something happened to an order of this symbol (which: the client order ids named). */
  orders(clientOrderIds: string[]): void;
  state(s: StreamState, why?: string): void;
}

/** What a stream connection can carry on this exchange (ccxt's `has`). */
export function streamSupport(ex: Exchange): { candles: boolean; orders: boolean } {
  return { candles: ex.has["watchOHLCV"] === true, orders: ex.has["watchOrders"] === true };
}

export interface StreamBackoff {
  firstMs: number;
  maxMs: number;
  /**
   * How long an order stream that is not up waits for the exchange to answer its login and
   * subscription before it reopens the connection (default 5 s).
   */
  answerMs?: number;
}

const DEFAULT_BACKOFF: StreamBackoff = { firstMs: 250, maxMs: 30_000 };
const DEFAULT_ANSWER_MS = 5_000;

/** A candle the exchange's raw message says is final, with its market id and interval as the exchange names them. */
interface FinalCandle {
  marketId: string;
  /** The exchange's name of the interval ("1m", "candle1m" without its prefix…). */
  interval: string;
  candle: StreamCandle;
}

/**
 * Reads the closed candles out of one raw websocket message of a client (connection); `intervalMs`
 * gives the length of an interval by the exchange's name of it (undefined: no loop watches it).
 */
type FinalCandleReader = (client: object, message: unknown, intervalMs: (interval: string) => number | undefined) => FinalCandle[];

const num = (x: unknown) => Number(x);
const valuesOf = (o: unknown, h: unknown, l: unknown, c: unknown, v: unknown): StreamCandle["values"] => {
  const values: [number, number, number, number, number] = [num(o), num(h), num(l), num(c), num(v)];
  return values.every(Number.isFinite) ? values : null;
};

/** Binance: a kline event says whether its candle is final (`k.x`). */
const binanceFinal: FinalCandleReader = (_client, message) => {
  const m = message as { e?: unknown; k?: Record<string, unknown>; data?: unknown };
  const inner = (m && typeof m === "object" && ((m.data as typeof m) ?? m)) as typeof m;
  if (!inner || inner.e !== "kline" || !inner.k || inner.k["x"] !== true) return [];
  const k = inner.k;
  return [{ marketId: String(k["s"]), interval: String(k["i"]), candle: { time: num(k["t"]), values: valuesOf(k["o"], k["h"], k["l"], k["c"], k["v"]) } }];
};

/** Bybit v5: `kline.<interval>.<symbol>` messages; a candle is final when it says `confirm: true`. */
const bybitFinal: FinalCandleReader = (_client, message) => {
  const m = message as { topic?: unknown; data?: unknown };
  if (!m || typeof m.topic !== "string" || !m.topic.startsWith("kline.") || !Array.isArray(m.data)) return [];
  const [, interval = "", marketId = ""] = m.topic.split(".");
  return (m.data as Record<string, unknown>[])
    .filter((k) => k && k["confirm"] === true)
    .map((k) => ({ marketId, interval, candle: { time: num(k["start"]), values: valuesOf(k["open"], k["high"], k["low"], k["close"], k["volume"]) } }));
};

/** OKX v5: `{arg: {channel: "candle1m", instId}, data: [[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]]}`, final once `confirm` is "1". */
const okxFinal: FinalCandleReader = (_client, message) => {
  const m = message as { arg?: { channel?: unknown; instId?: unknown }; data?: unknown };
  const channel = m && typeof m === "object" ? m.arg?.channel : undefined;
  if (typeof channel !== "string" || !channel.startsWith("candle") || !Array.isArray(m.data)) return [];
  return (m.data as unknown[][])
    .filter((r) => Array.isArray(r) && r[8] === "1")
    .map((r) => ({ marketId: String(m.arg!.instId), interval: channel.slice("candle".length), candle: { time: num(r[0]), values: valuesOf(r[1], r[2], r[3], r[4], r[5]) } }));
};

/**
 * Bitget v2: the candle channel has no final flag, but every push carries the server's time (`ts`): a row
 * pushed once its interval had ended holds the candle's final values.
 */
const bitgetFinal: FinalCandleReader = (_client, message, intervalMs) => {
  const m = message as { arg?: { channel?: unknown; instId?: unknown }; data?: unknown; ts?: unknown };
  const channel = typeof m?.arg?.channel === "string" ? m.arg.channel : "";
  if (!channel.startsWith("candle") || !Array.isArray(m.data)) return [];
  const interval = channel.slice("candle".length);
  const ms = intervalMs(interval);
  const ts = Number(m.ts);
  if (ms === undefined || !Number.isFinite(ts)) return [];
  return (m.data as unknown[][])
    .filter((row) => Array.isArray(row) && ts >= Number(row[0]) + ms)
    .map((row) => ({ marketId: String(m.arg!.instId), interval, candle: { time: num(row[0]), values: valuesOf(row[1], row[2], row[3], row[4], row[5]) } }));
};

/**
 * KuCoin: `/market/candles:<symbol>_<type>` messages carry the forming candle and no final flag, pushed
 * on every change. On one connection (messages in order) the last push of a candle before a later one
 * starts holds its final values; a new connection starts over (it may have missed pushes).
 */
function kucoinFinal(): FinalCandleReader {
  /** Per client: the connection the pushes came on (ccxt may reopen a client object) and the last push per candle series. */
  const lastByClient = new WeakMap<object, { connection: unknown; last: Map<string, FinalCandle> }>();
  return (client, message) => {
    const m = message as { topic?: unknown; subject?: unknown; data?: { symbol?: unknown; candles?: unknown } };
    if (!m || m.subject !== "trade.candles.update" || typeof m.topic !== "string" || !Array.isArray(m.data?.candles)) return [];
    const [, interval = ""] = m.topic.split("_");
    const marketId = String(m.data.symbol);
    const [t, o, c, h, l, v] = m.data.candles as unknown[];
    const now: FinalCandle = { marketId, interval, candle: { time: num(t) * 1000, values: valuesOf(o, h, l, c, v) } };
    const connection = (client as { connectionEstablished?: unknown }).connectionEstablished;
    let seen = lastByClient.get(client);
    if (!seen || seen.connection !== connection) lastByClient.set(client, (seen = { connection, last: new Map() }));
    const last = seen.last;
    const key = `${marketId}|${interval}`;
    const before = last.get(key);
    if (before && now.candle.time < before.candle.time) return [];
    last.set(key, now);
    return before && now.candle.time > before.candle.time ? [before] : [];
  };
}

/**
 * Exchanges whose stream tells when a candle closed, by ccxt id: a closed candle is taken with its final
 * values at once. ccxt keeps only the values, so this reads the raw messages. Other exchanges' candles
 * are taken as closed when a later one starts, and their values come by REST (so too where a listed
 * exchange's messages did not show one final, e.g. a message lost).
 */
const FINAL_CANDLES: Record<string, () => FinalCandleReader> = {
  binance: () => binanceFinal,
  bybit: () => bybitFinal,
  kucoin: kucoinFinal,
  okx: () => okxFinal,
  bitget: () => bitgetFinal,
};

interface Loop<L> {
  listeners: Set<L>;
  state: StreamState;
  /** Why the stream is down (the last failure), told to listeners with the state. */
  why?: string;
  stop: boolean;
}

interface CandleLoop extends Loop<CandleListener> {
  lastTime: number | null;
  /** The latest candle delivered with its final values (from a raw message, see FINAL_CANDLES). */
  finalTime: number | null;
  marketId: string;
  /** The exchange's names of the timeframe (REST and websocket may differ: Bitget's "1min" and "1m"). */
  intervals: Set<string>;
  intervalMs: number;
}

/** What this file reads of a ccxt websocket client. */
interface WsClientView {
  url: string;
  isConnected?: boolean;
  /** When its current connection opened (ccxt reuses a client object across reconnects). */
  connectionEstablished?: number;
  subscriptions?: Record<string, unknown>;
}

/**
 * ccxt creates futures on its websocket clients that nobody awaits (binance's user-data subscription
 * makes `authenticate:signature:spot` ahead of its request) and rejects every future when the exchange
 * closes the connection: such a rejection, unhandled, would stop the process. Each future a client of
 * this instance makes gets a no-op handler as it is made; whoever awaits it still gets the rejection.
 * So does each send: ccxt 4.5.84's `watch` sends a subscription after its rate-limit throttle without
 * handling the send's promise, which rejects when the connection closed meanwhile (seen on OKX when
 * the user websocket was cut mid-subscription).
 */
function handleEveryFuture(exchange: Exchange): void {
  type Client = { future(messageHash: string): Promise<unknown>; send(message: unknown): Promise<unknown> };
  const ex = exchange as unknown as { client(url: string): Client };
  const made = ex.client.bind(exchange);
  const wrapped = new WeakSet<Client>();
  ex.client = (url) => {
    const client = made(url);
    if (!wrapped.has(client)) {
      wrapped.add(client);
      const future = client.future.bind(client);
      client.future = (messageHash) => {
        const f = future(messageHash);
        f.catch(() => undefined);
        return f;
      };
      const send = client.send.bind(client);
      client.send = (message) => {
        const sent = send(message);
        sent.catch(() => undefined);
        return sent;
      };
    }
    return client;
  };
}

/** One ccxt pro instance (one exchange, one key) and the watch loops running on it. */
export class StreamConnection {
  private refs = 0;
  private readonly candleLoops = new Map<string, CandleLoop>();
  private orderLoop: (Loop<OrderListener> & { bySymbol: Map<OrderListener, string> }) | null = null;
  private closed = false;
  /** Messages seen per kind (for the bot page and tests). */
  readonly counts = { candles: 0, orders: 0, reconnects: 0 };
  /** The last message each websocket client received: its number, and how many subscriptions the client had then. */
  private readonly heard = new WeakMap<object, { seq: number; subscriptions: number }>();
  private seq = 0;
  /** ccxt needs an HTTP agent loaded before it opens a plain ws:// URL (a loopback fake); harmless otherwise. */
  private readonly ready: Promise<unknown>;

  constructor(
    readonly exchange: Exchange,
    private readonly onEmpty: () => void,
    private readonly backoff: StreamBackoff = DEFAULT_BACKOFF,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    const agent = (exchange as unknown as { loadHttpProxyAgent?: () => Promise<unknown> }).loadHttpProxyAgent;
    this.ready = agent ? agent.call(exchange).catch(() => undefined) : Promise.resolve();
    handleEveryFuture(exchange);
    // One back-off, this file's. ccxt's own (since 4.5.x) delays each new dial of a URL by 1, 2, 4 … 60 s
    // while dials come less than 30 s apart: a connection reopened after an unanswered login would
    // then open later each time, past the wait for its answer, and never come up; and OKX and Bitget
    // sign their login before that delay, so a long one makes the login stale (refused).
    const ws = (exchange.options["ws"] ?? {}) as Record<string, unknown>;
    exchange.options["ws"] = { ...ws, backoff: { ...((ws["backoff"] as object | undefined) ?? {}), base: 0 } };
    const finals = FINAL_CANDLES[exchange.id]?.();
    const ex = exchange as unknown as { handleMessage: (client: WsClientView, message: unknown) => unknown };
    const ccxtHandle = ex.handleMessage.bind(exchange);
    const loopOf = (marketId: string, interval: string) => [...this.candleLoops.values()].find((l) => l.marketId === marketId && l.intervals.has(interval));
    const intervalMs = (interval: string) => [...this.candleLoops.values()].find((l) => l.intervals.has(interval))?.intervalMs;
    ex.handleMessage = (client, message) => {
      this.heard.set(client, { seq: ++this.seq, subscriptions: Object.keys(client.subscriptions ?? {}).length });
      if (finals) {
        for (const f of finals(client, message, intervalMs)) {
          const loop = loopOf(f.marketId, f.interval);
          if (loop) this.deliverCandle(loop, f.candle);
        }
      }
      return ccxtHandle(client, message);
    };
  }

  retain(): this {
    this.refs++;
    return this;
  }

  /** Lets go of one use; the last one closes the connection. */
  async release(): Promise<void> {
    if (--this.refs > 0) return;
    this.closed = true;
    for (const l of this.candleLoops.values()) l.stop = true;
    if (this.orderLoop) this.orderLoop.stop = true;
    this.onEmpty();
    await this.exchange.close().catch(() => undefined);
  }

  get users(): number {
    return this.refs;
  }

  /** Closed candles of one market; returns the unsubscribe. */
  watchCandles(symbol: string, timeframe: string, listener: CandleListener): () => void {
    const key = `${symbol}|${timeframe}`;
    let loop = this.candleLoops.get(key);
    if (!loop) {
      const market = this.exchange.market(symbol);
      const names = [timeframe, (this.exchange.timeframes as Record<string, unknown> | undefined)?.[timeframe], (this.exchange.options["timeframes"] as Record<string, unknown> | undefined)?.[timeframe]];
      const intervals = new Set(names.filter((n): n is string => typeof n === "string"));
      loop = { listeners: new Set(), state: "connecting", stop: false, lastTime: null, finalTime: null, marketId: String(market.id), intervals, intervalMs: this.exchange.parseTimeframe(timeframe) * 1000 };
      this.candleLoops.set(key, loop);
      void this.runCandles(symbol, timeframe, loop);
    }
    loop.listeners.add(listener);
    listener.state(loop.state, loop.why);
    const l = loop;
    return () => {
      l.listeners.delete(listener);
      if (l.listeners.size === 0) {
        l.stop = true;
        this.candleLoops.delete(key);
      }
    };
  }

  /** Order updates of one symbol on this key; returns the unsubscribe. */
  watchOrders(symbol: string, listener: OrderListener): () => void {
    if (!this.orderLoop) {
      this.orderLoop = { listeners: new Set(), state: "connecting", stop: false, bySymbol: new Map() };
      void this.runOrders(this.orderLoop);
    }
    const loop = this.orderLoop;
    loop.listeners.add(listener);
    loop.bySymbol.set(listener, symbol);
    listener.state(loop.state, loop.why);
    return () => {
      loop.listeners.delete(listener);
      loop.bySymbol.delete(listener);
      if (loop.listeners.size === 0) {
        loop.stop = true;
        if (this.orderLoop === loop) this.orderLoop = null;
      }
    };
  }

  /** Tells the listeners a new state, or a new reason for staying down. */
  private setState<L extends { state(s: StreamState, why?: string): void }>(loop: Loop<L>, s: StreamState, why?: string): void {
    if (loop.state === s && (s !== "down" || loop.why === why)) return;
    loop.state = s;
    loop.why = s === "down" ? why : undefined;
    for (const l of [...loop.listeners]) l.state(s, why);
  }

  /** A failure's message for the stream state, without the key's credentials. */
  private reason(e: unknown): string {
    const ex = this.exchange;
    return redact(e instanceof Error ? e.message : String(e), [ex.apiKey, ex.secret, ex.password, ex.uid]);
  }

  private deliverCandle(loop: CandleLoop, c: StreamCandle): void {
    this.counts.candles++;
    if (c.values && (loop.finalTime === null || c.time > loop.finalTime)) loop.finalTime = c.time;
    for (const l of [...loop.listeners]) l.candle(c);
  }

  /** Resolves once a connected websocket of this instance carries a subscription naming the market. */
  private async subscribed(symbol: string, marketId: string): Promise<void> {
    const ex = this.exchange as unknown as { clients?: Record<string, WsClientView> };
    const id = marketId.toLowerCase();
    for (;;) {
      for (const c of Object.values(ex.clients ?? {})) {
        if (c.isConnected && Object.keys(c.subscriptions ?? {}).some((k) => k.includes(symbol) || k.toLowerCase().includes(id))) return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The subscriptions of each websocket client now. */
  private subscriptionsNow(): Map<WsClientView, { keys: Set<string>; opened: number | undefined }> {
    const clients = (this.exchange as unknown as { clients?: Record<string, WsClientView> }).clients ?? {};
    return new Map(Object.values(clients).map((c) => [c, { keys: new Set(Object.keys(c.subscriptions ?? {})), opened: c.connectionEstablished }]));
  }

  /**
   * The clients that gained subscriptions other than candles' since `before` (with how many they have
   * now): the connections an order watch made or used since then.
   */
  private gainedSince(before: Map<WsClientView, { keys: Set<string>; opened: number | undefined }>): { client: WsClientView; size: number }[] {
    const candleKey = (k: string) => [...this.candleLoops.entries()].some(([key, l]) => k.includes(key.split("|")[0]!) || k.toLowerCase().includes(l.marketId.toLowerCase()));
    const gained: { client: WsClientView; size: number }[] = [];
    for (const [client, { keys, opened }] of this.subscriptionsNow()) {
      const old = before.get(client);
      // A client that reconnected since carries its subscriptions again (ccxt keeps the object).
      const reopened = old !== undefined && opened !== old.opened;
      if ([...keys].some((k) => (reopened || !old?.keys.has(k)) && !candleKey(k))) gained.push({ client, size: keys.size });
    }
    return gained;
  }

  /**
   * Resolves once a connected client that gained subscriptions (other than candles') since `before` has
   * received a message with all of them in place: the exchange answered the last request (a login, then
   * the subscription it allows, as Bitget; a signed subscription, as Binance's user data; Coinbase's
   * subscriptions notice), so what it sends from now on reaches the stream. Stops polling once `done`.
   */
  private async answered(before: Map<WsClientView, { keys: Set<string>; opened: number | undefined }>, fromSeq: number, done: () => boolean): Promise<void> {
    while (!done()) {
      for (const { client, size } of this.gainedSince(before)) {
        const heard = this.heard.get(client);
        if (client.isConnected && heard && heard.seq > fromSeq && heard.subscriptions >= size) return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Waits until the order watch is answered (see `answered`) or delivers, at most `answerMs`: a login
   * the exchange never answers fails here instead of keeping the stream down for good.
   */
  private async untilAnswered(watching: Promise<unknown>, before: Map<WsClientView, { keys: Set<string>; opened: number | undefined }>, fromSeq: number, loop: Loop<OrderListener>): Promise<void> {
    const ms = this.backoff.answerMs ?? DEFAULT_ANSWER_MS;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the exchange did not answer the order stream's login or subscription within ${ms / 1000} s; reopening the connection`)), ms);
    });
    try {
      await Promise.race([watching, this.answered(before, fromSeq, () => settled || loop.stop || this.closed), silence]);
    } finally {
      settled = true;
      clearTimeout(timer);
    }
  }

  /**
   * Closes the connections an order watch made or used since `before` that are still open. ccxt keeps a
   * login the exchange refused or never answered on its client (the \`authenticated\` subscription OKX
   * and Bybit check before they send one), so no login is tried again on that connection; the next
   * watch opens a new one and logs in afresh. A connection the exchange closed is gone already.
   */
  private async reopen(before: Map<WsClientView, { keys: Set<string>; opened: number | undefined }>): Promise<void> {
    const clients = (this.exchange as unknown as { clients?: Record<string, WsClientView & { error?: unknown; close(): Promise<unknown> | undefined }> }).clients ?? {};
    const closing: (Promise<unknown> | undefined)[] = [];
    for (const { client } of this.gainedSince(before)) {
      const c = clients[client.url];
      if (c !== client) continue;
      // As ccxt's own close(): the client leaves the registry first, so the next watch makes a new one.
      delete clients[client.url];
      c.error = new ExchangeClosedByUser(`${this.exchange.id} reopens the order stream's connection`);
      closing.push(c.close());
    }
    await Promise.all(closing.map((p) => p?.catch(() => undefined)));
  }

  private async runCandles(symbol: string, timeframe: string, loop: CandleLoop): Promise<void> {
    await this.ready;
    let failures = 0;
    while (!loop.stop && !this.closed) {
      try {
        const watching = this.exchange.watchOHLCV(symbol, timeframe) as Promise<number[][]>;
        watching.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
        // Up once subscribed (a candle may be a whole timeframe away).
        if (loop.state !== "up") await Promise.race([watching, this.subscribed(symbol, loop.marketId)]);
        failures = 0;
        this.setState(loop, "up");
        const rows = await watching;
        // A newer candle started: the one before has closed. Unless it came with its final values, it
        // is told without them (they come by REST).
        for (const r of rows) {
          const t = r[0]!;
          if (loop.lastTime !== null && t > loop.lastTime && (loop.finalTime === null || loop.finalTime < loop.lastTime)) this.deliverCandle(loop, { time: loop.lastTime, values: null });
          if (loop.lastTime === null || t > loop.lastTime) loop.lastTime = t;
        }
      } catch (e) {
        if (loop.stop || this.closed) break;
        failures++;
        this.counts.reconnects++;
        this.setState(loop, "down", this.reason(e));
        await this.sleep(Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }

  private async runOrders(loop: Loop<OrderListener> & { bySymbol: Map<OrderListener, string> }): Promise<void> {
    const ex = this.exchange;
    await this.ready;
    let failures = 0;
    while (!loop.stop && !this.closed) {
      const before = this.subscriptionsNow();
      try {
        const fromSeq = this.seq;
        const watching = ex.watchOrders();
        watching.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
        // Up once the exchange has answered the subscription (login included), or with the first order
        // message: listeners reconcile from then on.
        if (loop.state !== "up") {
          await this.untilAnswered(watching, before, fromSeq, loop);
          failures = 0;
          this.setState(loop, "up");
        }
        const orders = await watching;
        this.counts.orders++;
        const bySymbol = new Map<string, string[]>();
        for (const o of orders) {
          const symbol = o.symbol ?? "";
          const ids = bySymbol.get(symbol) ?? [];
          if (o.clientOrderId) ids.push(o.clientOrderId);
          bySymbol.set(symbol, ids);
        }
        for (const [listener, symbol] of [...loop.bySymbol]) {
          const ids = bySymbol.get(symbol);
          if (ids) listener.orders(ids);
        }
      } catch (e) {
        if (loop.stop || this.closed) break;
        failures++;
        this.counts.reconnects++;
        // A refused or unanswered login (or any failure) leaves nothing behind: the next try logs in on a new connection.
        await this.reopen(before);
        this.setState(loop, "down", this.reason(e));
        await this.sleep(Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }
}

/** The shared stream connections of a process, one per (exchange, key). */
export class StreamRegistry {
  private readonly connections = new Map<string, StreamConnection>();

  constructor(private readonly backoff: StreamBackoff = DEFAULT_BACKOFF) {}

  /**
   * The connection of (exchange, key), made by `create` on first use (a ccxt pro instance). The markets
   * of the caller's REST instance are handed over, so the stream instance loads nothing by REST.
   */
  acquire(exchangeId: string, keyId: string, create: () => Exchange, markets?: Exchange): StreamConnection {
    const key = `${exchangeId}|${keyId}`;
    let c = this.connections.get(key);
    if (!c) {
      const ex = create();
      c = new StreamConnection(ex, () => this.connections.delete(key), this.backoff);
      this.connections.set(key, c);
    }
    if (markets?.markets && !c.exchange.markets) {
      c.exchange.setMarkets(markets.markets, markets.currencies as never);
      const diff = markets.options["timeDifference"];
      if (diff !== undefined) c.exchange.options["timeDifference"] = diff;
    }
    return c.retain();
  }

  get size(): number {
    return this.connections.size;
  }

  get(exchangeId: string, keyId: string): StreamConnection | undefined {
    return this.connections.get(`${exchangeId}|${keyId}`);
  }
}

/** The process-wide registry. */
export const sharedStreams = new StreamRegistry();
