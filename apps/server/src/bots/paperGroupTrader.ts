// Paper trading of one flow over several markets on shared cash: core's PortfolioSession (the
// portfolio backtest's own stepping) fed with each market's closed candles in close-time order, so a
// paper bot group's trades are the portfolio backtest's on the same candles.
//
// The runner drives it like any trader with the candles of its own market, which here only keep the
// time: at each of them the group reads every market's candles up to that one from its own feeds,
// and processes all of them, merged by close time (docs/portfolio.md).
import { PENDING_ENTRY, PortfolioSession, type Bar, type PortfolioRules, type Settings, type StrategySpec } from "@keyflow/core";
import type { Bot, BotBook, BotRepo, DeliveryChannel } from "@keyflow/db";
import type { Assets } from "./ledger";
import { entryTypeOf, journalPaperFill, reportFills, type SimFill } from "./paperTrader";
import type { Trader } from "./trader";
import { utcMinute } from "../utcMinute";
import { assetsOfSymbol } from "./views";

/** Where a group market's candles come from (a CandleFeed of its symbol). */
export interface GroupFeed {
  /** Closed candles with time ≥ since, oldest first. */
  since(since: number): Promise<Bar[]>;
  /** Closed candles in [from, to), oldest first. */
  range(from: number, to: number): Promise<Bar[]>;
  /** The newest `n` closed candles, oldest first. */
  latest(n: number): Promise<Bar[]>;
}

export interface PaperGroupContext {
  botId: string;
  repo: BotRepo;
  tf: number;
  symbols: readonly string[];
  feeds: readonly GroupFeed[];
  rules: PortfolioRules;
  settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">;
  log: (level: "info" | "warn" | "error", message: string) => void;
  alert?: (type: "fill" | "stop", text: string) => void;
}

type GroupMarketBook = NonNullable<BotBook["group"]>["markets"][number];

export class PaperGroupTrader implements Trader {
  /** The channel the candles being processed came by (journalled with each fill). */
  channel: DeliveryChannel = "poll";
  readonly session: PortfolioSession;
  private current: BotBook;
  private replayed = 0;
  /** Candles read but not yet processed, per market, oldest first. */
  private readonly pending: Bar[][];
  /** Open time of the newest candle read, per market (null: none yet). */
  private readonly seen: (number | null)[];
  private readonly assets: Assets[];

  constructor(
    spec: StrategySpec,
    private readonly ctx: PaperGroupContext,
    private readonly bot: Pick<Bot, "warmupBars" | "startBarTime" | "lastBarTime">,
    book: BotBook,
  ) {
    this.session = new PortfolioSession(spec, ctx.symbols, ctx.settings, ctx.rules);
    this.pending = ctx.symbols.map(() => []);
    this.seen = ctx.symbols.map(() => null);
    this.assets = ctx.symbols.map(assetsOfSymbol);
    this.current = book;
  }

  get book(): BotBook {
    return this.current;
  }

  /** Reads every market's history for the warm-up (first start) or for the replay (restart). */
  async prepare(): Promise<void> {
    const { tf, feeds } = this.ctx;
    const { warmupBars, startBarTime, lastBarTime } = this.bot;
    for (let m = 0; m < feeds.length; m++) {
      const bars = startBarTime === null || lastBarTime === null ? await feeds[m]!.latest(warmupBars) : await feeds[m]!.range(startBarTime - warmupBars * tf, lastBarTime + tf);
      this.take(m, bars);
    }
  }

  /** Warm-up up to the runner's candle: every market's blocks see their candles, no orders. */
  warm(bar: Bar): void {
    for (let m = 0; m < this.pending.length; m++) {
      const queue = this.pending[m]!;
      const strategy = this.session.sessions[m]!.strategy;
      while (queue.length > 0 && queue[0]!.time <= bar.time) {
        const b = queue.shift()!;
        strategy.update(b.time, b.open, b.high, b.low, b.close, b.volume);
      }
    }
  }

  replay(bar: Bar): void {
    this.process(bar.time, true);
    this.replayed++;
  }

  resumed(mark: Bar | null): string {
    this.current = this.bookAt(mark?.time ?? null);
    return `, ${this.replayed} paper candles of ${this.ctx.symbols.length} markets replayed`;
  }

  setLatestClosed(): void {}

  async poll(_bot: Bot): Promise<void> {}

  async step(bar: Bar, _latest: boolean, _bot: Bot): Promise<void> {
    const { feeds, tf } = this.ctx;
    for (let m = 0; m < feeds.length; m++) {
      const seen = this.seen[m] ?? null;
      if (seen !== null && seen >= bar.time) continue;
      this.take(m, await feeds[m]!.since(seen === null ? bar.time : seen + tf));
    }
    this.process(bar.time, false);
    this.current = this.bookAt(bar.time);
  }

  async cancelAll(): Promise<number> {
    return 0;
  }

  /** Queues a market's candles newer than the ones it has. */
  private take(m: number, bars: readonly Bar[]): void {
    for (const b of bars) {
      const seen = this.seen[m] ?? null;
      if (seen !== null && b.time <= seen) continue;
      this.pending[m]!.push(b);
      this.seen[m] = b.time;
    }
  }

  /** Every queued candle opening at or before `upTo`, merged by open time (one timeframe: the same as by close time). */
  private process(upTo: number, quiet: boolean): void {
    const { session } = this;
    const n = this.pending.length;
    const closing: number[] = [];
    for (;;) {
      let t = Infinity;
      for (let m = 0; m < n; m++) {
        const head = this.pending[m]![0];
        if (head && head.time <= upTo && head.time < t) t = head.time;
      }
      if (t === Infinity) return;
      closing.length = 0;
      const before = session.sessions.map((s) => s.broker.state());
      for (let m = 0; m < n; m++) {
        const head = this.pending[m]![0];
        if (head && head.time === t) {
          this.pending[m]!.shift();
          session.setBar(m, head.time, head.open, head.high, head.low, head.close, head.volume);
          closing.push(m);
        }
      }
      const skipped = session.skipped.slice();
      const fills = session.sessions.map((): SimFill[] => []);
      const detach = session.sessions.map((s, m) => reportFills(s.broker, entryTypeOf(s.strategy), fills[m]!));
      try {
        session.step(closing);
      } finally {
        for (const d of detach) d();
      }
      for (const m of closing) this.journal(m, before[m]!, fills[m]!, skipped[m]!, t, quiet);
    }
  }

  private journal(m: number, before: number, fills: readonly SimFill[], skipped: number, time: number, quiet: boolean): void {
    const { broker } = this.session.sessions[m]!;
    const symbol = this.ctx.symbols[m]!;
    for (const f of fills) journalPaperFill(this.ctx, { ...f, intent: `${symbol} ${f.intent}` }, quiet, this.channel, this.assets[m]!);
    if (quiet) return;
    if (broker.state() === PENDING_ENTRY && before !== PENDING_ENTRY) this.ctx.log("info", `Paper: ${symbol} entry signal on the ${utcMinute(time)} candle; it fills at the next open.`);
    if (this.session.skipped[m]! > skipped) {
      this.ctx.log("info", `Paper: ${symbol} entry signal on the ${utcMinute(time)} candle skipped: ${this.session.openCount >= this.session.maxOpen ? `no free slot (${this.session.openCount} of ${this.session.maxOpen} open)` : "no free cash"}.`);
    }
  }

  private bookAt(markTime: number | null): BotBook {
    const prev = this.current;
    const s = this.session;
    let cash = s.free;
    let value = 0;
    let realized = 0;
    let fees = 0;
    let cost = 0;
    const markets: GroupMarketBook[] = s.sessions.map(({ broker: b }, m) => {
      cash += b.cash;
      const mark = s.lastClose[m]!;
      if (b.qty > 0) {
        value += b.qty * mark;
        cost += b.costBasis();
      }
      realized += b.trades.reduce((x, t) => x + t.pnl, 0);
      fees += b.totalFees;
      return { symbol: this.ctx.symbols[m]!, qty: b.qty, avgEntryPrice: b.qty > 0 ? b.entryPrice : 0, entryTime: b.qty > 0 ? b.entryTime : null, markPrice: mark === mark ? mark : null, skippedEntries: s.skipped[m]! };
    });
    return {
      ...prev,
      qty: 0,
      cash,
      avgEntryPrice: 0,
      entryTime: null,
      markPrice: null,
      markTime: markTime ?? prev.markTime,
      realizedPnl: realized,
      fees,
      peak: 0,
      costBasis: 0,
      group: { positionsValue: value, positionsCost: cost, markets },
    };
  }
}
