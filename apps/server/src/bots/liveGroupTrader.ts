// Live trading of one flow over several markets on one budget: a LiveTrader per market (its own
// journal, precision, limits, stops and reconciliation), fed with each market's closed candles merged
// by close time as the paper group is, and admitted to enter by the portfolio's rule (core's
// `entryStake`: a free slot of `maxOpenPositions` and free cash; the position's stake is min(budget
// per position, free cash), and the flow's sizing applies to it).
//
// At each close time, as in `PortfolioSession.step`: first every market's fills (its orders are
// followed), then the group's daily loss, then the decisions in the markets' order. A slot is held
// by a market with a position or a working entry; a market holding at the start of the close keeps
// its slot until the next one even when its exit fills at once, as the portfolio frees it when the
// exit fills at the next open. The slots and free cash are read from the markets' journals at each
// close, so a restart needs no state of the group's own (docs/portfolio.md, "Live groups").
import { entryStake, FLAT, LONG, maxOpenOf, positionBudget, type Bar, type PortfolioRules } from "@keyflow/core";
import type { Bot, BotBook, BotRepo, DeliveryChannel } from "@keyflow/db";
import { dailyLossHalt, lossToday } from "./dailyLoss";
import type { GroupCandles } from "./groupCandles";
import type { LiveGroupMarket, LiveTrader, LogFn } from "./liveTrader";
import type { Trader } from "./trader";
import { utcMinute } from "../utcMinute";

export interface LiveGroupContext {
  botId: string;
  repo: BotRepo;
  symbols: readonly string[];
  /** The quote currency the group's budget is in. */
  quote: string;
  candles: GroupCandles;
  rules: PortfolioRules;
  /** The group's budget (the flow's initial cash). */
  initialCash: number;
  log: LogFn;
  now: () => number;
  /** Sets the bot (every market) halted until `until`. */
  halt: (reason: string, until: number | null) => void;
}

type GroupMarketBook = NonNullable<BotBook["group"]>["markets"][number];

/** The slots and free cash of one close, as the decisions take them. */
interface CloseSlots {
  /** Markets holding a position when the close's decisions began. */
  heldAtStart: boolean[];
  free: number;
}

export class LiveGroupTrader implements Trader {
  readonly traders: LiveTrader[];
  /** Cash each new position is given (`budgetPerPosition`, default the budget shared by the slots); each market's trader counts its budget in it. */
  readonly stake: number;
  private readonly maxOpen: number;
  private readonly skipped: number[];
  private slots: CloseSlots | null = null;
  /** The last close each market has stepped (its candle's open time). */
  private readonly stepped: number[];
  private channelNow: DeliveryChannel = "poll";

  /** `market(m, hooks)` builds market m's LiveTrader with these hooks as its `group` (its initial cash: `stake`). */
  constructor(
    private readonly ctx: LiveGroupContext,
    private readonly bot: Pick<Bot, "warmupBars" | "startBarTime" | "lastBarTime">,
    book: BotBook,
    market: (m: number, hooks: LiveGroupMarket, stake: number, book: BotBook | undefined) => LiveTrader,
  ) {
    this.stake = positionBudget(ctx.initialCash, ctx.rules);
    this.maxOpen = maxOpenOf(ctx.rules);
    const saved = ctx.symbols.map((s) => book.group?.markets.find((x) => x.symbol === s));
    this.skipped = saved.map((x) => x?.skippedEntries ?? 0);
    this.stepped = ctx.symbols.map(() => -Infinity);
    this.traders = ctx.symbols.map((_, m) => market(m, { admit: () => this.admit(m) }, this.stake, saved[m]?.book));
    this.base = book;
  }

  private readonly base: BotBook;

  get channel(): DeliveryChannel {
    return this.channelNow;
  }

  set channel(c: DeliveryChannel) {
    this.channelNow = c;
    for (const t of this.traders) t.channel = c;
  }

  /** The group's cash: its budget plus what every market's fills took and gave back. */
  private cash(): number {
    return this.traders.reduce((c, t) => c + t.ledger.cash - this.stake, this.ctx.initialCash);
  }

  get book(): BotBook {
    let value = 0;
    let cost = 0;
    let realized = 0;
    let fees = 0;
    let markTime: number | null = this.base.markTime;
    const markets: GroupMarketBook[] = this.traders.map((t, m) => {
      const b = t.book;
      const open = t.ledger.open;
      const mark = b.markPrice;
      if (open) {
        value += t.ledger.qty * (mark ?? b.avgEntryPrice);
        cost += t.ledger.costBasis;
      }
      realized += b.realizedPnl;
      fees += b.fees;
      if (b.markTime !== null && (markTime === null || b.markTime > markTime)) markTime = b.markTime;
      return { symbol: this.ctx.symbols[m]!, qty: open ? t.ledger.qty : 0, avgEntryPrice: open ? b.avgEntryPrice : 0, entryTime: open ? b.entryTime : null, markPrice: mark, skippedEntries: this.skipped[m]!, book: b };
    });
    return {
      ...this.base,
      qty: 0,
      cash: this.cash(),
      avgEntryPrice: 0,
      entryTime: null,
      markPrice: null,
      markTime,
      realizedPnl: realized,
      fees,
      peak: 0,
      costBasis: 0,
      entryRule: null,
      exitWanted: null,
      exitAttempts: 0,
      missed: null,
      group: { positionsValue: value, positionsCost: cost, markets },
    };
  }

  /** Reconciles every market with the exchange (its orders by client order id, its fills, its balance), then reads every market's history. */
  async prepare(): Promise<void> {
    for (const t of this.traders) await t.prepare();
    await this.ctx.candles.history(this.bot);
  }

  warm(bar: Bar): void {
    this.ctx.candles.drain(bar.time, (m, b) => this.traders[m]!.warm(b));
  }

  /** Live markets rebuild only their indicators on resume: their positions come from their fills. */
  replay(bar: Bar): void {
    this.warm(bar);
  }

  resumed(): string {
    return ` of ${this.ctx.symbols.length} markets`;
  }

  setLatestClosed(t: number | null): void {
    for (const trader of this.traders) trader.setLatestClosed(t);
  }

  /** Follows every market's working orders; a close request sells every market's position. */
  async poll(bot: Bot): Promise<void> {
    for (const t of this.traders) await t.poll(bot);
  }

  async step(bar: Bar, latest: boolean, bot: Bot): Promise<void> {
    const { candles } = this.ctx;
    await candles.readUpTo(bar.time);
    let row = bot;
    // A close stays queued until every market has stepped it: after a failure (the exchange did not
    // answer) the runner steps the candle again and the markets that had not finished it go on.
    for (let close = candles.peek(bar.time); close !== null; close = candles.peek(bar.time)) {
      // Only the runner's newest candle is traded; earlier closes are followed, as a one-market bot catches up.
      const live = latest && close.time === bar.time;
      if (live) row = await this.beforeDecisions(close.markets, close.bars, row);
      try {
        for (const [i, m] of close.markets.entries()) {
          if (this.stepped[m]! >= close.time) continue;
          await this.traders[m]!.step(close.bars[i]!, live, row);
          this.stepped[m] = close.time;
        }
      } finally {
        this.slots = null;
      }
      candles.consume(close);
    }
  }

  /** Fills first (every market's orders followed), then the group's daily loss; returns the row the decisions see (halted when the limit is reached). */
  private async beforeDecisions(closing: readonly number[], bars: readonly Bar[], row: Bot): Promise<Bot> {
    for (const t of this.traders) await t.sync();
    const marks = this.traders.map((t, m) => {
      const i = closing.indexOf(m);
      return i >= 0 ? bars[i]!.close : (t.book.markPrice ?? t.book.avgEntryPrice);
    });
    let next = row;
    if (row.status !== "halted") {
      const { loss, dayEnd } = lossToday(
        this.ctx.repo.fills(this.ctx.botId),
        this.traders.map((t, m) => ({ ledger: t.ledger, mark: marks[m]! })),
        this.ctx.now(),
      );
      const reason = dailyLossHalt(loss, row.risk.maxDailyLoss, this.ctx.quote);
      if (reason) {
        this.ctx.halt(`${reason} (over all ${this.ctx.symbols.length} markets)`, dayEnd);
        next = { ...row, status: "halted", haltedUntil: dayEnd };
      }
    }
    // The free cash: the group's cash less what the positions held were given and have not spent.
    let free = this.cash();
    const heldAtStart = this.traders.map((t) => t.state() === LONG);
    this.traders.forEach((t, m) => {
      if (t.state() !== FLAT) free -= Math.max(0, (t.book.stake ?? 0) - t.ledger.costBasis);
    });
    this.slots = { heldAtStart, free };
    return next;
  }

  /** Market m has an entry signal: its stake, or null (skipped: no free slot or no free cash). */
  private admit(m: number): number | null {
    const slots = this.slots;
    if (!slots) return null;
    let open = 0;
    this.traders.forEach((t, k) => {
      if (k !== m && (slots.heldAtStart[k] || t.state() !== FLAT)) open++;
    });
    const stake = entryStake(open, this.maxOpen, slots.free, this.stake);
    const symbol = this.ctx.symbols[m]!;
    const t = this.traders[m]!.book.markTime;
    if (stake === 0) {
      this.skipped[m]!++;
      this.ctx.log("info", `${symbol}: entry signal${t === null ? "" : ` on the ${utcMinute(t)} candle`} skipped: ${open >= this.maxOpen ? `no free slot (${open} of ${this.maxOpen} open)` : "no free cash"}.`);
      return null;
    }
    slots.free -= stake;
    return stake;
  }

  /** Cancels every market's working orders (stop, kill switch); returns how many. */
  async cancelAll(why: string): Promise<number> {
    let n = 0;
    for (const t of this.traders) n += await t.cancelAll(why);
    return n;
  }
}
