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
import { GroupCandles, type GroupFeed } from "./groupCandles";

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
  private readonly candles: GroupCandles;
  private readonly assets: Assets[];

  constructor(
    spec: StrategySpec,
    private readonly ctx: PaperGroupContext,
    private readonly bot: Pick<Bot, "warmupBars" | "startBarTime" | "lastBarTime">,
    book: BotBook,
  ) {
    this.session = new PortfolioSession(spec, ctx.symbols, ctx.settings, ctx.rules);
    this.candles = new GroupCandles(ctx.feeds, ctx.tf);
    this.assets = ctx.symbols.map(assetsOfSymbol);
    this.current = book;
  }

  get book(): BotBook {
    return this.current;
  }

  /** Reads every market's history for the warm-up (first start) or for the replay (restart). */
  prepare(): Promise<void> {
    return this.candles.history(this.bot);
  }

  /** Warm-up up to the runner's candle: every market's blocks see their candles, no orders. */
  warm(bar: Bar): void {
    this.candles.drain(bar.time, (m, b) => this.session.sessions[m]!.strategy.update(b.time, b.open, b.high, b.low, b.close, b.volume));
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
    await this.candles.readUpTo(bar.time);
    this.process(bar.time, false);
    this.current = this.bookAt(bar.time);
  }

  async cancelAll(): Promise<number> {
    return 0;
  }

  /** Every queued candle opening at or before `upTo`, merged by close time. */
  private process(upTo: number, quiet: boolean): void {
    const { session } = this;
    for (let close = this.candles.next(upTo); close !== null; close = this.candles.next(upTo)) {
      const before = session.sessions.map((s) => s.broker.state());
      close.markets.forEach((m, i) => {
        const b = close.bars[i]!;
        session.setBar(m, b.time, b.open, b.high, b.low, b.close, b.volume);
      });
      const skipped = session.skipped.slice();
      const fills = session.sessions.map((): SimFill[] => []);
      const detach = session.sessions.map((s, m) => reportFills(s.broker, entryTypeOf(s.strategy), fills[m]!));
      try {
        session.step(close.markets);
      } finally {
        for (const d of detach) d();
      }
      for (const m of close.markets) this.journal(m, before[m]!, fills[m]!, skipped[m]!, close.time, quiet);
    }
  }

  private journal(m: number, before: number, fills: readonly SimFill[], skipped: number, time: number, quiet: boolean): void {
    const { broker } = this.session.sessions[m]!;
    const symbol = this.ctx.symbols[m]!;
    for (const f of fills) journalPaperFill(this.ctx, { ...f, intent: `${symbol} ${f.intent}` }, quiet, this.channel, symbol, this.assets[m]!);
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
