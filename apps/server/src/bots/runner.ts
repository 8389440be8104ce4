// One bot's loop: warm up, then act once per closed candle. The same Strategy decides in paper and
// live; paper fills through the backtest's simulated broker, live through the exchange.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { compile, Strategy, TIMEFRAME_MS, type Bar, type Market } from "@keyflow/core";
import type { Bot, BotHealth, BotLease, KeyflowDb } from "@keyflow/db";
import { classifyError, isTransient, OrderGateway, redact, requestCount, Retrier, secretsOf, sharedStreams, stopSupport, type LimiterRegistry, type StreamRegistry } from "@keyflow/exchange";
import type { Exchange, MarketInterface as CcxtMarket } from "ccxt";
import { connectExchange, setCredentials } from "../keys/connect";
import type { ExchangeSettings } from "../keys/exchangeSettings";
import type { KeyService } from "../keys/keyService";
import type { AlertSink, AlertType } from "../alerts/alertService";
import { BotStreams } from "./botStreams";
import { CandleFeed, storedBefore } from "./candleFeed";
import { noCrash, type CrashHook } from "./crashHook";
import { emptyBook } from "./ledger";
import { LiveTrader } from "./liveTrader";
import { PaperTrader } from "./paperTrader";
import { PaperGroupTrader } from "./paperGroupTrader";
import { LiveGroupTrader } from "./liveGroupTrader";
import { GroupCandles } from "./groupCandles";
import { askToLiftWhenReady } from "./probation";
import { driftReport, driftSentence } from "./drift";
import type { Trader } from "./trader";
import type { BotSettings } from "./settings";
import { utcMinute } from "../utcMinute";

export interface RunnerDeps {
  db: KeyflowDb;
  keys: KeyService;
  exchange: ExchangeSettings;
  settings: BotSettings;
  crash?: CrashHook;
  limiters?: LimiterRegistry;
  /** Shared websocket connections per (exchange, key); default: the process-wide registry. */
  streams?: StreamRegistry;
  /** Wakes SSE subscribers after the bot's rows changed. */
  notify?: (botId: string) => void;
  /** The server's own log (stderr); bot events go to the database as well. */
  log?: (line: string) => void;
  now?: () => number;
  /** Told of fills, stops, halts, degraded and recovered states. */
  alerts?: AlertSink;
}

/** Another process runs this bot (its lease is live). */
export class LeaseHeldError extends Error {
  constructor(readonly holder: BotLease) {
    super(`This bot is already running in process ${holder.pid} on ${holder.host}.`);
  }
}

const KEY_ERRORS = new Set(["bad-key", "bad-signature", "permission"]);
/** Exchanges publish a closed candle a little after it closes; later than this (beyond two candles) is late. */
const CANDLE_GRACE_MS = 90_000;
/** Consecutive failed exchange steps before a bot shows as degraded (about 10 + 20 + 40 s at the default poll). */
const DEGRADE_AFTER_FAILURES = 3;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class BotRunner {
  private readonly abort = new AbortController();
  private readonly token = randomUUID();
  private done: Promise<void> | undefined;
  private ex: Exchange | undefined;
  /** Credentials this runner has decrypted, known before (and even if) the exchange instance exists. */
  private loadedSecrets: string[] = [];
  private readonly now: () => number;
  /** Set when the loop ended because the bot was stopped (not because the process is shutting down). */
  stoppedByRequest = false;
  /** Open orders cancelled when the bot was stopped. */
  cancelledOnStop = 0;

  constructor(
    readonly botId: string,
    private readonly deps: RunnerDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Takes the bot's lease (throws LeaseHeldError when another live process has it) and starts the loop. */
  start(): this {
    const lease: BotLease = { pid: process.pid, host: hostname(), token: this.token, until: this.now() + this.deps.settings.leaseMs };
    const r = this.deps.db.bots.acquireLease(this.botId, lease, (held) => held.host === hostname() && !pidAlive(held.pid));
    if (!r.ok) throw new LeaseHeldError(r.holder);
    this.done = this.run().finally(() => this.deps.db.bots.releaseLease(this.botId, this.token));
    return this;
  }

  /** halt() was called: the loop is ending. */
  get halting(): boolean {
    return this.abort.signal.aborted;
  }

  get finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  /** Ends the loop after the step in progress. Open orders are cancelled only if the bot's status is stopped. */
  async halt(): Promise<void> {
    this.abort.abort();
    await this.finished;
  }

  /** Every text this runner stores or prints passes here: no credential of its exchange instance, no signed URL survives it. */
  private safe(text: string): string {
    const secrets = [...this.loadedSecrets, ...(this.ex ? secretsOf(this.ex) : [])];
    return redact(text, secrets);
  }

  /** While a candle is processed, subscribers are woken once its book is committed (orders, fills, log and position arrive together). */
  private holdNotify = false;

  private log(level: "info" | "warn" | "error", message: string): void {
    const safe = this.safe(message);
    this.deps.db.bots.log(this.botId, level, safe);
    this.deps.log?.(`[bot ${this.botId.slice(0, 8)}] ${level}: ${safe}`);
    if (!this.holdNotify) this.deps.notify?.(this.botId);
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  private bot(): Bot {
    const b = this.deps.db.bots.get(this.botId);
    if (!b) throw new Error(`Bot ${this.botId} was deleted.`);
    return b;
  }

  private async run(): Promise<void> {
    const { db, keys, settings } = this.deps;
    let bot = this.bot();
    const market: Market = { exchange: bot.exchange, symbol: bot.symbol, timeframe: bot.timeframe };
    const tf = TIMEFRAME_MS[market.timeframe];
    const compiled = compile(bot.flow);
    if (!compiled.ok) {
      this.setHalted(`The deployed flow no longer compiles: ${compiled.errors[0]!.message}`, null);
      return;
    }
    let keyVersion: number | undefined;
    let streamCredentials: ReturnType<KeyService["credentials"]> | undefined;
    let unsubscribe = () => {};
    try {
      if (bot.mode === "live") {
        if (!bot.keyId) throw new Error("This live bot has no key (it was deleted): deploy it again with a key.");
        keyVersion = keys.version(bot.keyId);
        const credentials = keys.credentials(bot.keyId);
        streamCredentials = credentials;
        this.loadedSecrets = secretValues(credentials);
        this.ex = connectExchange(this.deps.exchange, market.exchange, {
          credentials,
          keyId: bot.keyId,
          bans: db.bans,
          testnet: keys.isTestnet(bot.keyId),
          ...(this.deps.limiters ? { limiters: this.deps.limiters } : {}),
        });
        keys.touch(bot.keyId);
        const keyId = bot.keyId;
        const off = keys.onRotate((rotated) => {
          if (rotated !== keyId || !this.ex) return;
          const next = keys.credentials(keyId);
          this.loadedSecrets.push(...secretValues(next));
          setCredentials(this.ex, next);
          // The key's shared websocket signs its next (re)subscription with the rotated key too.
          const stream = (this.deps.streams ?? sharedStreams).get(market.exchange, keyId);
          if (stream) setCredentials(stream.exchange, next);
          keyVersion = keys.version(keyId);
          this.log("info", "Now signing with the rotated key.");
        });
        unsubscribe = () => void off();
      } else {
        this.ex = connectExchange(this.deps.exchange, market.exchange, { bans: db.bans, ...(this.deps.limiters ? { limiters: this.deps.limiters } : {}) });
      }
    } catch (e) {
      this.setHalted(e instanceof Error ? e.message : String(e), null);
      return;
    }
    const ex = this.ex;
    const retrier = new Retrier({
      onRetry: (e) => this.log("warn", `Exchange ${e.kind} on ${e.label.split(" ")[0]}; retrying in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt + 1}).`),
    });
    const gateway = new OrderGateway(ex, retrier);
    const feed = new CandleFeed(ex, retrier, market, this.now);
    const signal = this.abort.signal;
    this.report("starting", `Connecting to ${market.exchange}…`);

    try {
      // Markets: needed for precision and limits. Transient failures are waited out.
      let ccxtMarket: CcxtMarket | undefined;
      while (!signal.aborted && !ccxtMarket) {
        try {
          const markets = await gateway.loadMarkets();
          ccxtMarket = markets[market.symbol];
          if (!ccxtMarket) {
            this.setHalted(`${market.exchange} has no market ${market.symbol}. Deploy the bot on a symbol the exchange lists.`, null);
            return;
          }
        } catch (e) {
          if (this.fatal(e)) return;
          await this.failed(e, market.exchange);
        }
      }
      if (!ccxtMarket) return;
      const assets = { base: ccxtMarket.base, quote: ccxtMarket.quote };
      const settingsOfFlow = bot.flow.settings;
      const logFn = (level: "info" | "warn" | "error", message: string) => this.log(level, message);
      const alert = (type: "fill" | "stop", text: string) => this.alert(type, text);
      const startBook = bot.book ?? emptyBook(settingsOfFlow.initialCash);
      // A flow over several markets: one trader for all, each market's candles from its own feed.
      const group = bot.flow.portfolio;
      if (group) {
        const missing = group.symbols.filter((s) => !(ex.markets as Record<string, unknown> | undefined)?.[s]);
        if (missing.length > 0) {
          this.setHalted(`${market.exchange} has no market ${missing.join(", ")}. Deploy the bot over symbols the exchange lists.`, null);
          return;
        }
      }
      const paperGroup = (symbols: readonly string[], rules: NonNullable<typeof group>) =>
        new PaperGroupTrader(
          compiled.spec,
          {
            botId: bot.id,
            repo: db.bots,
            tf,
            symbols,
            feeds: symbols.map((symbol) => new CandleFeed(ex, retrier, { ...market, symbol }, this.now)),
            rules,
            settings: settingsOfFlow,
            log: logFn,
            alert,
          },
          bot,
          startBook,
        );
      // What every live trader of this bot shares; a group's markets each get their own market, journal and evaluator.
      const liveBase = {
        botId: bot.id,
        repo: db.bots,
        gateway,
        retrier,
        tf,
        feeRate: settingsOfFlow.feeRate,
        crash: this.deps.crash ?? noCrash,
        now: this.now,
        sleep: (ms: number) => this.sleep(ms),
        isStopped: () => {
          const status = this.deps.db.bots.status(this.botId);
          return status === "stopped" || status === "paused";
        },
        halt: (reason: string, until: number | null) => this.setHalted(reason, until),
        unknownGraceMs: settings.unknownGraceMs,
        alert,
        orderProblem: (reason: string | null) => {
          if (reason !== null) this.report("degraded", reason, { sticky: true });
          else if (this.deps.db.bots.get(this.botId)?.health?.sticky) this.report("running", null, { clearSticky: true });
        },
      };
      const liveMarket = (symbol: string, m: CcxtMarket, initialCash: number, log: typeof logFn) => ({
        ...liveBase,
        symbol,
        market: m,
        assets: { base: m.base, quote: m.quote },
        initialCash,
        strategy: new Strategy(compiled.spec),
        restingStops: stopSupport(ex, m),
        log,
      });
      const liveGroup = (symbols: readonly string[], rules: NonNullable<typeof group>) =>
        new LiveGroupTrader(
          {
            botId: bot.id,
            repo: db.bots,
            symbols,
            quote: assets.quote,
            candles: new GroupCandles(
              symbols.map((symbol) => new CandleFeed(ex, retrier, { ...market, symbol }, this.now)),
              tf,
            ),
            rules,
            initialCash: settingsOfFlow.initialCash,
            log: logFn,
            now: this.now,
            halt: (reason, until) => this.setHalted(reason, until),
          },
          bot,
          startBook,
          (i, hooks, stake, book) => {
            const symbol = symbols[i]!;
            const m = (ex.markets as Record<string, CcxtMarket>)[symbol]!;
            // Each market's lines name it: the bot's log is one for all its markets.
            const log = (level: "info" | "warn" | "error", message: string) => logFn(level, `${symbol}: ${message}`);
            return new LiveTrader({ ...liveMarket(symbol, m, stake, log), group: hooks }, bot, book ?? emptyBook(stake));
          },
        );
      const trader: Trader = group
        ? bot.mode === "paper"
          ? paperGroup(group.symbols, group)
          : liveGroup(group.symbols, group)
        : bot.mode === "paper"
          ? new PaperTrader(compiled.spec, { botId: bot.id, repo: db.bots, symbol: market.symbol, assets, tf, settings: settingsOfFlow, log: logFn, alert }, startBook)
          : new LiveTrader(liveMarket(market.symbol, ccxtMarket, settingsOfFlow.initialCash, logFn), bot, startBook);

      // 1. Reconcile (live) before anything else.
      while (!signal.aborted) {
        try {
          await trader.prepare();
          break;
        } catch (e) {
          if (this.fatal(e)) return;
          this.log("warn", `Could not reconcile with the exchange yet: ${this.describe(e)}`);
          await this.failed(e, market.exchange);
        }
      }
      if (signal.aborted) return;
      bot = this.bot();
      if (bot.status === "halted" && bot.haltedUntil === null) return;

      // 2. Warm up (first start) or replay since the start (restart), to rebuild indicator state.
      this.report("warming", bot.lastBarTime === null ? `Loading the last ${bot.warmupBars} candles of ${market.symbol} ${market.timeframe} to warm up the indicators.` : `Replaying the candles since the bot started to rebuild its indicators.`);
      let warmed = false;
      while (!warmed && !signal.aborted) {
        try {
          bot = this.bot();
          const warmupMs = bot.warmupBars * tf;
          if (bot.lastBarTime === null || bot.startBarTime === null) {
            let hist = await feed.latest(bot.warmupBars);
            const before = hist[0]?.time ?? Math.floor(this.now() / tf) * tf;
            hist = [...storedBefore(db, market, before, bot.warmupBars - hist.length), ...hist];
            for (const b of hist) trader.warm(b);
            db.bots.recordCandles(hist.map((b) => ({ botId: bot.id, ...b, receivedAt: this.now(), warmup: true, missed: false })));
            const last = hist.at(-1)?.time ?? Math.floor(this.now() / tf) * tf - tf;
            db.bots.update(bot.id, { startBarTime: last + tf, lastBarTime: last, book: trader.book });
            this.log("info", `Warmed up on ${hist.length} candle${hist.length === 1 ? "" : "s"} of ${market.symbol} ${market.timeframe}; acting from the candle that opens at ${utcMinute(last + tf)} UTC.`);
          } else {
            const from = bot.startBarTime - warmupMs;
            let hist = await feed.range(from, bot.lastBarTime + tf);
            const first = hist[0]?.time ?? bot.startBarTime;
            if (first > from) hist = [...storedBefore(db, market, first, Math.round((first - from) / tf)), ...hist];
            for (const b of hist) (b.time < bot.startBarTime ? trader.warm(b) : trader.replay(b));
            const replayed = trader.resumed(hist.at(-1) ?? null);
            this.log("info", `Resumed: indicators rebuilt from ${hist.length} candles${replayed}; next candle ${utcMinute(bot.lastBarTime + tf)} UTC.`);
          }
          warmed = true;
        } catch (e) {
          if (this.fatal(e)) return;
          this.log("warn", `Could not load candle history yet: ${this.describe(e)}`);
          await this.failed(e, market.exchange);
        }
      }

      // 3. The loop: once per poll, follow orders and act on each newly closed candle in order.
      // The bot's row is read once per poll and once per candle (status, limits, requests).
      let lastTouch = this.now();
      let lastCandleAt = this.now();
      let written = JSON.stringify(bot.book);
      // Streams: candles (and a live bot's order notices) over the key's shared websocket connection.
      const streams = new BotStreams({
        registry: this.deps.streams ?? sharedStreams,
        exchangeId: market.exchange,
        keyId: bot.keyId ?? "public",
        create: () =>
          connectExchange(this.deps.exchange, market.exchange, {
            ...(streamCredentials ? { credentials: streamCredentials } : {}),
            ...(bot.keyId ? { keyId: bot.keyId, testnet: keys.isTestnet(bot.keyId) } : {}),
            bans: db.bans,
            ...(this.deps.limiters ? { limiters: this.deps.limiters } : {}),
            stream: true,
          }),
        rest: ex,
        symbol: market.symbol,
        timeframe: market.timeframe,
        orders: bot.mode === "live",
        log: (level, message) => this.log(level, message),
      });
      if (settings.streams) streams.start();
      this.closeStreams = () => streams.close();
      let lastRestAt = this.now();
      const rate: [number, number][] = [];
      let lastDelivery = "";
      const commit = (barTime: number | null) => {
        const book = trader.book;
        written = JSON.stringify(book);
        if (barTime === null) db.bots.update(bot.id, { book });
        else db.bots.commitBar(bot.id, barTime, book);
        this.deps.notify?.(bot.id);
      };
      while (!signal.aborted) {
        if (!db.bots.renewLease(this.botId, this.token, this.now() + settings.leaseMs)) {
          this.log("warn", "Another process took over this bot; this runner stops.");
          return;
        }
        bot = this.bot();
        if (bot.status === "stopped") {
          this.stoppedByRequest = true;
          break;
        }
        // Paused: the loop ends, its working orders stay (a resting stop keeps protecting the position).
        if (bot.status === "paused") {
          this.log("info", "Paused: working orders left in place.");
          return;
        }
        if (bot.status === "halted") {
          if (bot.haltedUntil === null) return;
          if (this.now() >= bot.haltedUntil) {
            bot = db.bots.update(bot.id, { status: "running", haltReason: null, haltedUntil: null }) ?? bot;
            this.log("info", "The halt ended: entries are allowed again.");
          }
        }
        if (bot.keyId) {
          const v = keys.version(bot.keyId);
          if (keyVersion !== undefined && v !== undefined && v !== keyVersion) {
            setCredentials(ex, keys.credentials(bot.keyId));
            keyVersion = v;
            this.log("info", "Now signing with the rotated key.");
          }
          if (keyVersion !== undefined && this.now() - lastTouch > 60_000) {
            keys.touch(bot.keyId);
            lastTouch = this.now();
          }
        }
        try {
          // While the streams are healthy, REST is asked only when they say something happened, and as a safety net.
          const notice = streams.takeOrderNotice();
          const safetyDue = notice.reconnected || this.now() - lastRestAt >= (streams.healthy ? settings.safetyNetMs : 0);
          if (safetyDue || !streams.ordersUp || notice.noticed || notice.reconnected || bot.closeRequestedAt !== null) {
            trader.channel = streams.ordersUp && (notice.noticed || notice.reconnected) ? "stream" : "poll";
            await trader.poll(bot);
          }
          if (bot.closeRequestedAt !== null) {
            db.bots.update(bot.id, { closeRequestedAt: null });
            commit(null);
          }
          const next = (bot.lastBarTime ?? 0) + tf;
          const fromStream = streams.candlesUp ? streams.takeCandles(next, tf) : null;
          let bars: Bar[];
          let channel: "stream" | "poll" = "stream";
          if (fromStream && !fromStream.gap && !(safetyDue && fromStream.bars.length === 0)) bars = fromStream.bars;
          else {
            bars = await feed.since(next);
            channel = "poll";
          }
          if (safetyDue) lastRestAt = this.now();
          trader.setLatestClosed(bars.at(-1)?.time ?? bot.lastBarTime);
          if (bars.length > 0) lastCandleAt = this.now();
          for (let i = 0; i < bars.length && !signal.aborted; i++) {
            const b = bars[i]!;
            const row = this.bot();
            if (row.status === "stopped" || row.status === "paused") break;
            const latest = i === bars.length - 1;
            db.bots.recordCandles([{ botId: bot.id, ...b, receivedAt: this.now(), warmup: false, missed: !latest, channel }]);
            trader.channel = channel;
            this.holdNotify = true;
            try {
              await trader.step(b, latest, row);
            } finally {
              this.holdNotify = false;
            }
            commit(b.time);
            if (bot.mode === "live") {
              const row = this.bot();
              // The drift report compares one market with its backtest: a group's prompt has the live results only.
              askToLiftWhenReady(db, row, this.now(), (text) => (this.log("warn", text), this.alert("probation", text)), row.flow.portfolio ? undefined : () => driftSentence(driftReport(db, row)));
            }
          }
          // Fills seen between candles change the book too; write it only when it changed (each write wakes the UI).
          if (JSON.stringify(trader.book) !== written) commit(null);
          // Answers but no new candle for more than two candles (plus the exchange's publishing delay): late.
          const quiet = this.now() - lastCandleAt;
          if (quiet > 2 * tf + CANDLE_GRACE_MS) {
            this.failureCount = 0;
            this.report("degraded", `No new ${market.timeframe} candle from ${market.exchange} for ${Math.round(quiet / 60_000)} min (the last one processed opened at ${utcMinute(bot.lastBarTime ?? 0)} UTC): the exchange is not delivering candles.`);
          } else this.succeeded();
          // Requests per minute this bot's REST instance spent, and the channels it hears on (shown on the bot page).
          const t = this.now();
          rate.push([t, requestCount(ex)]);
          while (rate.length > 1 && rate[0]![0] < t - 60_000) rate.shift();
          const span = Math.max(1, t - rate[0]![0]);
          const perMinute = rate.length > 1 ? Math.round(((rate.at(-1)![1] - rate[0]![1]) * 60_000) / Math.max(span, 10_000)) : 0;
          const delivery = { candles: streams.candlesUp ? "stream" : "poll", orders: bot.mode === "live" ? (streams.ordersUp ? "stream" : "poll") : null, requestsPerMinute: perMinute } as const;
          if (JSON.stringify(delivery) !== lastDelivery) {
            lastDelivery = JSON.stringify(delivery);
            this.setDelivery(delivery);
          }
        } catch (e) {
          if (this.fatal(e)) return;
          // What the streams had said is consumed: the next turn asks REST again.
          lastRestAt = -Infinity;
          this.log(this.failureCount >= DEGRADE_AFTER_FAILURES ? "error" : "warn", `${this.describe(e)} (will retry)`);
          await this.failed(e, market.exchange);
          continue;
        }
        // The loop still turns every poll interval (the bot's row: stop, pause, close requests), but asks REST only as above.
        await streams.wait(settings.pollMs, this.abort.signal);
      }

      if (!this.stoppedByRequest && this.deps.db.bots.get(this.botId)?.status === "stopped") this.stoppedByRequest = true;
      if (this.stoppedByRequest) {
        // Stopped (by the user or the kill switch): nothing of this bot stays working on the exchange.
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            this.cancelledOnStop += await trader.cancelAll("the bot was stopped");
            await trader.poll({ ...this.bot(), closeRequestedAt: null });
            db.bots.update(bot.id, { book: trader.book });
            break;
          } catch (e) {
            this.log("error", `Could not cancel the bot's open orders: ${this.describe(e)}`);
            await new Promise((r) => setTimeout(r, this.backoff(attempt + 1)));
          }
        }
        this.log("info", `Stopped${this.cancelledOnStop ? `; cancelled ${this.cancelledOnStop} open order${this.cancelledOnStop === 1 ? "" : "s"}` : ""}.`);
      }
    } finally {
      unsubscribe();
      await this.closeStreams().catch(() => undefined);
      await ex.close().catch(() => undefined);
    }
  }

  private failureCount = 0;
  private failingSince: number | null = null;
  private closeStreams: () => Promise<void> = () => Promise.resolve();

  /** Writes how the bot hears of candles and orders and what REST it spends, keeping its health state. */
  private setDelivery(delivery: NonNullable<BotHealth["delivery"]>): void {
    const current = this.deps.db.bots.get(this.botId)?.health ?? null;
    if (!current) return;
    this.deps.db.bots.update(this.botId, { health: { ...current, delivery } });
    this.deps.notify?.(this.botId);
  }

  /** A failed exchange step: waits (backing off); after a few in a row the bot is degraded, saying since when and why. */
  private async failed(e: unknown, exchange: string): Promise<void> {
    this.failureCount++;
    this.failingSince ??= this.now();
    const wait = this.backoff(this.failureCount);
    if (this.failureCount >= DEGRADE_AFTER_FAILURES) {
      const since = `since ${utcMinute(this.failingSince)} UTC`;
      const what = isTransient(classifyError(e)) ? `Can't reach ${exchange} ${since}` : `${exchange} keeps refusing the bot's requests ${since}`;
      this.report("degraded", `${what} — retrying every ${Math.max(1, Math.round(wait / 1000))} s (${this.describe(e)}).`);
    }
    await this.sleep(wait);
  }

  /** A loop that went through: the bot runs (a degraded state that only a later order success clears stays). */
  private succeeded(): void {
    this.failureCount = 0;
    this.failingSince = null;
    this.report("running", null);
  }

  /** Writes the bot's health when it changes; `since` is kept while the state stays the same. */
  private report(state: BotHealth["state"], reason: string | null, opts: { sticky?: boolean; clearSticky?: boolean } = {}): void {
    const current = this.deps.db.bots.get(this.botId)?.health ?? null;
    if (current?.sticky && current.state === "degraded" && !opts.sticky && !opts.clearSticky && state === "running") return;
    const safe = reason === null ? null : this.safe(reason);
    if (current && current.state === state && current.reason === safe && !!current.sticky === !!opts.sticky) return;
    const health: BotHealth = { state, reason: safe, since: current?.state === state ? current.since : this.now(), ...(opts.sticky ? { sticky: true } : {}), ...(current?.delivery ? { delivery: current.delivery } : {}) };
    this.deps.db.bots.update(this.botId, { health });
    this.deps.notify?.(this.botId);
    if (state === "degraded" && current?.state !== "degraded") this.alert("degraded", `Degraded: ${safe ?? "see the bot"}`);
    else if (state === "running" && current?.state === "degraded") this.alert("recovered", "Recovered: the bot runs normally again.");
  }

  private backoff(failures: number): number {
    return Math.min(60_000, this.deps.settings.pollMs * 2 ** Math.min(failures, 10));
  }

  private describe(e: unknown): string {
    const text = e instanceof Error ? e.message : String(e);
    return this.safe(text.split("\n")[0]!.slice(0, 400));
  }

  /** Key problems halt the bot (it cannot work until the key is fixed); returns true when halted. */
  private fatal(e: unknown): boolean {
    const kind = classifyError(e);
    if (KEY_ERRORS.has(kind)) {
      this.setHalted(`The exchange refused the key (${kind}): ${this.describe(e)} Fix or rotate the key, then start the bot again.`, null);
      return true;
    }
    if (kind === "unknown" && !(e instanceof Error && /fetch|network|socket/i.test(e.message))) {
      this.log("error", `Unexpected error: ${this.describe(e)}`);
    }
    return false;
  }

  /** Tells the alert channels (the text is redacted like a log line). */
  private alert(type: AlertType, text: string): void {
    if (!this.deps.alerts) return;
    const b = this.deps.db.bots.get(this.botId);
    if (!b) return;
    this.deps.alerts.notify({ type, bot: { id: b.id, name: b.name, mode: b.mode }, text: this.safe(text) });
  }

  private setHalted(reason: string, until: number | null): void {
    // The reason is stored and shown in every bot view, so it is redacted like a log line.
    this.deps.db.bots.update(this.botId, { status: "halted", haltReason: this.safe(reason), haltedUntil: until });
    this.log(until === null ? "error" : "warn", `Halted: ${reason}`);
    this.alert("halt", `Halted: ${reason}`);
  }
}

/** The non-empty strings of a set of credentials, for redaction. */
function secretValues(credentials: object): string[] {
  return Object.values(credentials).filter((x): x is string => typeof x === "string" && x.length > 0);
}
