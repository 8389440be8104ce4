// Paper trading: the backtest's own Session (strategy + simulated broker) stepped one closed candle at
// a time, so a paper bot's trades are the backtest's trades on the same candles.
import { PENDING_ENTRY, Session, type Bar, type EntryRule, type Settings, type SimBroker, type StrategySpec } from "@keyflow/core";
import type { Bot, BotBook, BotRepo, DeliveryChannel } from "@keyflow/db";
import { clientOrderId } from "@keyflow/exchange";
import type { Assets } from "./ledger";
import type { Trader } from "./trader";
import { utcMinute } from "../utcMinute";

export interface PaperContext {
  botId: string;
  repo: BotRepo;
  /** The market it trades (journalled with each order and fill). */
  symbol: string;
  assets: Assets;
  tf: number;
  settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">;
  log: (level: "info" | "warn" | "error", message: string) => void;
  /** Tells the alert channels of a (simulated) fill. */
  alert?: (type: "fill" | "stop", text: string) => void;
}

export interface SimFill {
  /** What the order was for; a bot over several markets prefixes the market ("ETH/USDT entry"). */
  intent: string;
  side: "buy" | "sell";
  type: "market" | "limit";
  time: number;
  price: number;
  qty: number;
  fee: number;
  realizedPnl: number | null;
}

const fmt = (x: number, digits = 8) => String(Number(x.toFixed(digits)));

export class PaperTrader implements Trader {
  readonly session: Session;
  private current: BotBook;
  channel: DeliveryChannel = "poll";
  private replayed = 0;

  constructor(
    spec: StrategySpec,
    private readonly ctx: PaperContext,
    book: BotBook,
  ) {
    this.session = new Session(spec, ctx.settings);
    this.current = book;
  }

  get book(): BotBook {
    return this.current;
  }

  async prepare(): Promise<void> {}

  replay(bar: Bar): void {
    this.simulate(bar, true);
    this.replayed++;
  }

  resumed(mark: Bar | null): string {
    this.current = this.bookAt(mark);
    return `, ${this.replayed} paper candles replayed`;
  }

  setLatestClosed(): void {}

  /** Nothing works on an exchange; a close by hand is refused for paper bots before it gets here. */
  async poll(_bot: Bot): Promise<void> {}

  async step(bar: Bar, _latest: boolean, _bot: Bot): Promise<void> {
    this.simulate(bar);
    this.current = this.bookAt(bar);
  }

  async cancelAll(): Promise<number> {
    return 0;
  }

  /** Warm-up: indicators only, no orders (a bot starts flat). */
  warm(bar: Bar): void {
    this.session.strategy.update(bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume);
  }

  /**
   * One closed candle through the simulated broker and the strategy, exactly as the backtest does.
   * Fills are journalled (idempotently: replaying after a restart writes nothing new); `quiet`
   * replays do not log.
   */
  private simulate(bar: Bar, quiet = false): void {
    const b = this.session.broker;
    const before = b.state();
    const entryType = entryTypeOf(this.session.strategy);
    const fills: SimFill[] = [];
    const detach = reportFills(b, entryType, fills);
    try {
      this.session.step(bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume);
    } finally {
      detach();
    }
    for (const f of fills) journalPaperFill(this.ctx, f, quiet, this.channel, this.ctx.symbol, this.ctx.assets);
    if (!quiet) {
      const state = b.state();
      if (state === PENDING_ENTRY && before !== PENDING_ENTRY) {
        this.ctx.log("info", `Paper: entry signal on the ${utcMinute(bar.time)} candle; ${entryType === "limit" ? "the limit order waits for its price" : "it fills at the next open"}.`);
      } else if (before === PENDING_ENTRY && state !== PENDING_ENTRY && fills.length === 0) {
        this.ctx.log("info", `Paper: the waiting limit entry was cancelled at ${utcMinute(bar.time)}.`);
      }
    }
  }

  private bookAt(mark: Bar | null): BotBook {
    const prev = this.current;
    const b = this.session.broker;
    const realized = b.trades.reduce((s, t) => s + t.pnl, 0);
    return {
      ...prev,
      qty: b.qty,
      cash: b.cash,
      avgEntryPrice: b.qty > 0 ? b.entryPrice : 0,
      entryTime: b.qty > 0 ? b.entryTime : null,
      markPrice: mark?.close ?? prev.markPrice,
      markTime: mark?.time ?? prev.markTime,
      realizedPnl: realized,
      fees: b.totalFees,
      peak: b.qty > 0 ? b.peak : 0,
      costBasis: b.qty > 0 ? b.qty * b.entryPrice + b.entryFee : 0,
    };
  }
}

/**
 * The order type a paper bot journals for its entry fills (paper and paper groups alike): the type of
 * the flow's entry rule when it has one; market when several rules share the position.
 */
export function entryTypeOf(strategy: { entries: readonly Pick<EntryRule, "type">[] }): EntryRule["type"] {
  return strategy.entries.length === 1 ? strategy.entries[0]!.type : "market";
}

/**
 * Has the simulated broker report each fill it makes into `into` (entries, safety orders, exits and
 * take-profit steps, in the order made) until the returned function is called.
 */
export function reportFills(b: SimBroker, entryType: "market" | "limit", into: SimFill[]): () => void {
  b.onFill = (f) =>
    into.push({ intent: f.intent, side: f.side, type: f.intent === "entry" ? entryType : "market", time: f.time, price: f.price, qty: f.qty, fee: f.fee, realizedPnl: f.trade ? f.trade.pnl : null });
  return () => {
    b.onFill = null;
  };
}

/**
 * Journals a simulated fill as a filled order and its fill (idempotently: replaying after a restart
 * writes nothing new); `quiet` replays do not log. `symbol` and `assets` are the fill's market's.
 */
export function journalPaperFill(
  ctx: Pick<PaperContext, "botId" | "repo" | "log" | "alert">,
  f: SimFill,
  quiet: boolean,
  channel: DeliveryChannel,
  symbol: string,
  assets: Assets,
): void {
  const { repo, botId } = ctx;
  const cid = clientOrderId(botId, f.time, `paper-${f.intent}`);
  const { created } = repo.journal({
    botId,
    symbol,
    clientOrderId: cid,
    barTime: f.time,
    intent: f.intent,
    side: f.side,
    type: f.type,
    amount: f.qty,
    price: f.type === "limit" ? f.price : null,
    status: "filled",
    filledQty: f.qty,
    avgPrice: f.price,
    fee: f.fee,
    feeCurrency: assets.quote,
    closedAt: Date.now(),
  });
  repo.recordFill({
    botId,
    symbol,
    clientOrderId: cid,
    tradeId: `paper-${cid}`,
    side: f.side,
    price: f.price,
    amount: f.qty,
    cost: f.qty * f.price,
    fee: f.fee,
    feeCurrency: assets.quote,
    time: f.time,
    barTime: f.time,
    realizedPnl: f.realizedPnl,
    channel,
  });
  if (created && !quiet) {
    const what = f.side === "buy" ? "bought" : "sold";
    const pnl = f.realizedPnl === null ? "" : `, profit ${fmt(f.realizedPnl, 2)} ${assets.quote}`;
    const text = `Paper: ${what} ${fmt(f.qty)} ${assets.base} at ${fmt(f.price)} (${f.intent}, candle ${utcMinute(f.time)})${pnl}.`;
    ctx.log("info", text);
    ctx.alert?.(/stopLoss|takeProfit|trailingStop/.test(f.intent) ? "stop" : "fill", text);
  }
}
