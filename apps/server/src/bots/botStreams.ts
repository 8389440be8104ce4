// A bot's view of the exchange's websocket streams: closed candles of its market and (live) update
// notices of its orders, over the connection its key shares with every other bot on it. The runner
// waits here instead of sleeping a poll interval; it polls REST only when a stream is down, when a
// candle came without its values or after a gap, after a (re)connect, and as a slow safety net.
import type { Bar } from "@keyflow/core";
import { hasStreamClass, streamSupport, type StreamCandle, type StreamConnection, type StreamRegistry, type StreamState } from "@keyflow/exchange";
import type { Exchange } from "ccxt";

export interface BotStreamsOptions {
  registry: StreamRegistry;
  exchangeId: string;
  /** The key's id ("public" for paper bots): one connection per exchange and key. */
  keyId: string;
  /** Makes the key's ccxt websocket instance (first user only). */
  create: () => Exchange;
  /** The bot's REST instance, markets loaded: the stream instance takes its markets. */
  rest: Exchange;
  symbol: string;
  timeframe: string;
  /** Also follow the key's order updates (live bots). */
  orders: boolean;
  log: (level: "info" | "warn", message: string) => void;
}

export class BotStreams {
  private conn: StreamConnection | null = null;
  private readonly offs: (() => void)[] = [];
  private candleState: StreamState | "off" = "off";
  /** The exchange streams no candles (ccxt has no watchOHLCV there, e.g. Coinbase): they are polled as without streams. */
  private candlesPolled = false;
  private orderState: StreamState | "off" = "off";
  /** Closed candles from the stream not yet taken, by open time (a repeat overwrites; values stay final). */
  private readonly buffered = new Map<number, StreamCandle>();
  private ordersNoticed = false;
  private reconnected = false;
  private waker: (() => void) | null = null;

  constructor(private readonly opts: BotStreamsOptions) {}

  /** Opens (or joins) the key's connection where ccxt has the watch methods; otherwise the bot polls as before. */
  start(): void {
    const o = this.opts;
    if (!hasStreamClass(o.exchangeId)) return;
    let conn: StreamConnection;
    try {
      conn = o.registry.acquire(o.exchangeId, o.keyId, o.create, o.rest);
    } catch (e) {
      o.log("warn", `Streams unavailable (${e instanceof Error ? e.message : String(e)}); polling instead.`);
      return;
    }
    this.conn = conn;
    const has = streamSupport(conn.exchange);
    this.candlesPolled = !has.candles;
    if (has.candles) {
      this.candleState = "connecting";
      this.offs.push(
        conn.watchCandles(o.symbol, o.timeframe, {
          candle: (c) => {
            this.buffered.set(c.time, c.values || !this.buffered.get(c.time)?.values ? c : this.buffered.get(c.time)!);
            this.wake();
          },
          state: (s, why) => this.changed("candles", s, why),
        }),
      );
    }
    if (o.orders && has.orders) {
      this.orderState = "connecting";
      this.offs.push(
        conn.watchOrders(o.symbol, {
          orders: () => {
            this.ordersNoticed = true;
            this.wake();
          },
          state: (s, why) => this.changed("orders", s, why),
        }),
      );
    }
  }

  private changed(kind: "candles" | "orders", s: StreamState, why?: string): void {
    const before = kind === "candles" ? this.candleState : this.orderState;
    if (kind === "candles") this.candleState = s;
    else this.orderState = s;
    if (s === "up") this.reconnected = true;
    if (s === "down" && before === "up") this.opts.log("warn", `The ${kind} stream from ${this.opts.exchangeId} dropped (${(why ?? "").slice(0, 200)}); polling until it reconnects.`);
    if (s === "up" && before === "down") this.opts.log("info", `The ${kind} stream is back; reconciling by REST whatever it missed.`);
    this.wake();
  }

  private wake(): void {
    const w = this.waker;
    this.waker = null;
    w?.();
  }

  /** Candles arrive by stream now. */
  get candlesUp(): boolean {
    return this.candleState === "up";
  }

  /** Order updates arrive by stream now (paper bots have nothing to follow: always true). */
  get ordersUp(): boolean {
    return !this.opts.orders || this.orderState === "up";
  }

  /**
   * Every stream this bot follows is up, and at least one: REST drops to the safety net for what they
   * carry. Where the exchange streams only orders, candles keep their normal poll (the runner reads them
   * by REST every turn while no candle stream is up) and the safety net applies to orders alone.
   */
  get healthy(): boolean {
    if (this.candlesPolled) return this.opts.orders && this.orderState === "up";
    return this.candlesUp && this.ordersUp;
  }

  /** An order notice or a stream (re)connected since the last call: the orders (and candles) are read by REST now. */
  takeOrderNotice(): { noticed: boolean; reconnected: boolean } {
    const r = { noticed: this.ordersNoticed, reconnected: this.reconnected };
    this.ordersNoticed = false;
    this.reconnected = false;
    return r;
  }

  /**
   * The closed candles from `next` on that the stream delivered in one unbroken run with their values;
   * `gap` when the first one is later than `next` or came without values (then REST fills in). They
   * stay buffered until the bot has committed them (a failed step takes them again).
   */
  takeCandles(next: number, tf: number): { bars: Bar[]; gap: boolean } {
    for (const t of [...this.buffered.keys()]) if (t < next) this.buffered.delete(t);
    const bars: Bar[] = [];
    let t = next;
    for (let c = this.buffered.get(t); c; c = this.buffered.get(t)) {
      if (!c.values) return { bars: [], gap: true };
      const [open, high, low, close, volume] = c.values;
      bars.push({ time: t, open, high, low, close, volume });
      t += tf;
    }
    return { bars, gap: bars.length === 0 && this.buffered.size > 0 };
  }

  /** Resolves on the next stream event, after ms, or when the signal aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        if (this.waker === done) this.waker = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      const before = this.waker;
      this.waker = () => {
        before?.();
        done();
      };
    });
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.wake();
    const c = this.conn;
    this.conn = null;
    await c?.release();
  }
}
