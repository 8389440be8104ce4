// Live trading: the strategy decides on each closed candle; orders go to the exchange through the
// order gateway with a client order id derived from (bot, bar, intent), journalled before and after
// sending; position and cash come from the fills. On start the journal is reconciled with the exchange
// before anything else happens.
import {
  capToMaxPosition,
  entryQty,
  EXIT,
  FLAT,
  LONG,
  PENDING_ENTRY,
  safetyLevel,
  safetyQty,
  scales,
  stepLevel,
  stepQty,
  stopLossLevel,
  takeProfitLevel,
  trailFraction,
  trailingFirst,
  trailLevel,
  type Bar,
  type PositionState,
  type Strategy,
} from "@keyflow/core";
import { amendedInPlace, exchangeClientId } from "./inPlaceAmendment";
import type { Bot, BotBook, BotOrder, BotOrderStatus, BotRepo, DeliveryChannel, MissedSignal, NewBotFill } from "@keyflow/db";
import { amendSupport, clientOrderId, type OrderGateway, type OrderSnapshot, type Retrier, type TradeSnapshot } from "@keyflow/exchange";
import type { MarketInterface as CcxtMarket } from "ccxt";
import type { CrashHook } from "./crashHook";
import { intentReason, isStepIntent, Ledger, ledgerFromFills, RESTING, type Assets } from "./ledger";
import type { Trader } from "./trader";
import { utcMinute } from "../utcMinute";
import { probationCap } from "./probation";
import { dailyLossHalt, lossToday } from "./dailyLoss";

export type LogFn = (level: "info" | "warn" | "error", message: string) => void;

export interface LiveContext {
  botId: string;
  repo: BotRepo;
  gateway: OrderGateway;
  retrier: Retrier;
  symbol: string;
  market: CcxtMarket;
  assets: Assets;
  tf: number;
  initialCash: number;
  /** The flow's fee rate, used to size entries exactly as the backtest does. */
  feeRate: number;
  /** The flow's evaluator (the same Strategy the backtest runs). */
  strategy: Strategy;
  log: LogFn;
  crash: CrashHook;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Reads the bot's status from the database: a stop from anywhere prevents the next send. */
  isStopped: () => boolean;
  /** Sets the bot halted (no new entries) until `until` (null: until started again). */
  halt: (reason: string, until: number | null) => void;
  unknownGraceMs: number;
  /** Tells the alert channels of a fill or a stop. */
  alert: (type: "fill" | "stop", text: string) => void;
  /** An order the exchange refused for a reason the person must fix (the bot shows degraded until an order goes through); null: one went through. */
  orderProblem: (reason: string | null) => void;
  /** Which protective orders the exchange holds for this market (`stopSupport`); null: stops are checked on closed candles. */
  restingStops: "oco" | "stop" | null;
  /**
   * A market of a bot over several markets (`LiveGroupTrader`): its journal is this market's
   * (`symbol`), its client order ids name the market, its daily loss is the group's (checked by the
   * group), and `initialCash` is the budget per position. An entry asks the group for its stake.
   */
  group?: LiveGroupMarket;
}

/** What a market of a live bot group asks its group. */
export interface LiveGroupMarket {
  /** The cash an entry signal's position is given (its sizing applies to it), or null: skipped, no slot or no cash free (the group logs why). */
  admit(): number | null;
}

const ACTIVE = new Set<BotOrderStatus>(["pending", "sent", "open", "partially_filled", "unknown"]);
const EPS = 1e-9;
const MAX_EXIT_ATTEMPTS = 5;
/**
 * Exchanges whose \`cancelAllOrdersAfter\` is a countdown a REST client re-arms (OKX's cancel-all-after,
 * Kraken's CancelAllOrdersAfter). Bybit's (disconnected-cancel-all) fires only when a private websocket
 * drops, which a polling bot never opens, so it would protect nothing there.
 */
const COUNTDOWN_DEAD_MAN = new Set(["okx", "kraken"]);

/** The dead-man switch's timeout: the exchange cancels the bot's working orders this long after its last sign of life. */
const DEAD_MAN_MS = 120_000;

/** The intent of an exit made because the flow got out while the bot was down (counted apart from signal exits). */
export const DOWNTIME_EXIT = "exit-downtime";
/** The intent (prefix) of a sell a person asked for ("close now", the kill switch with close). */
export const MANUAL_CLOSE = "close";

const STOP_WORDS = { stopLoss: "stop loss", takeProfit: "take profit", trailingStop: "trailing stop" } as const;
type StopReason = keyof typeof STOP_WORDS;

const isResting = (o: BotOrder): boolean => o.intent.startsWith(RESTING);
const isStopReason = (r: string): r is StopReason => r in STOP_WORDS;

/** A cancel-and-replace in progress: the order cancelled, and when the exchange acknowledged the cancel. */
interface Amendment {
  replaces: string;
  cancelAckAt: number;
}

const fmt = (x: number, digits = 8) => String(Number(x.toFixed(digits)));

function statusOf(s: OrderSnapshot): BotOrderStatus {
  switch (s.status) {
    case "closed":
      return "filled";
    case "open":
      return s.filled > 0 ? "partially_filled" : "open";
    case "canceled":
    case "expired":
      return "cancelled";
    case "rejected":
      return "rejected";
    default:
      return "open";
  }
}

const entryIndexOf = (intent: string): number | null => {
  const m = /^entry(\d*)(?:-r\d+)?$/.exec(intent);
  return m ? (m[1] ? Number(m[1]) : 0) : null;
};

export class LiveTrader implements Trader {
  readonly ledger: Ledger;
  book: BotBook;
  /** The bot's row as read for the current poll or candle (risk limits, downtime policy, halted). */
  private row: Bot;
  /** Journalled-but-pending orders the exchange has confirmed it never received. */
  private readonly confirmedAbsent = new Set<string>();
  private readonly knownTrades = new Set<string>();
  /** The bar being processed (fills seen now belong to it or earlier), or null between bars. */
  private processing: number | null = null;
  private latestClosed: number | null = null;
  private readonly dust: number;
  channel: DeliveryChannel = "poll";

  constructor(
    private readonly ctx: LiveContext,
    bot: Bot,
    book: BotBook,
  ) {
    this.row = bot;
    const fills = ctx.repo.fills(ctx.botId, ctx.symbol);
    for (const f of fills) this.knownTrades.add(f.tradeId);
    this.dust = Math.max(ctx.market.limits?.amount?.min ?? 0, ctx.market.precision?.amount && ctx.market.precision.amount < 1 ? ctx.market.precision.amount : 0, 1e-12);
    this.ledger = ledgerFromFills(fills, ctx.initialCash, ctx.assets, this.dust);
    this.book = { ...this.ledger.book(book), dust: this.dust };
    // An entry fill recorded just before a crash (between polls, before the book was written): which
    // entry opened the position comes from its order, so its stops still apply after the restart.
    if (this.ledger.open && this.book.entryRule === null) {
      const lastBuy = fills.findLast((f) => f.side === "buy");
      const order = lastBuy ? ctx.repo.getOrder(lastBuy.clientOrderId) : undefined;
      this.book = { ...this.book, entryRule: (order && entryIndexOf(order.intent)) ?? 0, peak: this.book.peak || (lastBuy?.price ?? 0) };
    }
  }

  setLatestClosed(t: number | null): void {
    this.latestClosed = t;
  }

  /** The client order id of this bot's decision at a candle: a group's names the market too (a one-market bot's ids are those of before groups). */
  private orderId(barTime: number, intent: string): string {
    const { botId, gateway, group, symbol } = this.ctx;
    return clientOrderId(botId, barTime, intent, gateway.exchange.id, group ? symbol : undefined);
  }

  // ---------------------------------------------------------------- the trader interface

  prepare(): Promise<void> {
    return this.reconcile();
  }

  warm(bar: Bar): void {
    this.ctx.strategy.update(bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume);
    this.updatedTo = bar.time;
  }

  /** Open time of the newest candle the strategy has seen. */
  private updatedTo = -Infinity;

  /** Live bots rebuild only the indicators on resume: their position comes from the fills. */
  replay(bar: Bar): void {
    this.warm(bar);
  }

  resumed(): string {
    return "";
  }

  async poll(bot: Bot): Promise<void> {
    this.row = bot;
    if (this.hasActiveOrders()) await this.sync();
    const markPrice = this.book.markPrice ?? this.book.avgEntryPrice;
    if (bot.closeRequestedAt !== null) await this.closeNow(bot.closeRequestedAt, bot.lastBarTime ?? 0, markPrice);
    else if (bot.status !== "stopped" && bot.lastBarTime !== null) {
      // An entry that filled since the last candle gets its stop on the exchange now, not a candle later.
      await this.protect({ time: bot.lastBarTime, open: markPrice, high: markPrice, low: markPrice, close: markPrice, volume: 0 });
    }
    await this.armDeadMan();
  }

  private deadManArmedAt: number | null = null;

  /**
   * Where ccxt offers a dead-man switch (`cancelAllOrdersAfter`), it is armed while the bot has
   * working orders and no resting stop: should this process die, the exchange cancels them after a
   * few polls. It is disarmed while a stop rests (the switch would cancel the stop that protects the
   * position while the server is down).
   */
  private async armDeadMan(): Promise<void> {
    const ex = this.ctx.gateway.exchange;
    if (!ex.has["cancelAllOrdersAfter"] || this.deadManBroken || !COUNTDOWN_DEAD_MAN.has(ex.id)) return;
    // The switch is the account's, so it is judged over the whole bot (every market of a group alike).
    const active = this.ctx.repo.activeOrders(this.ctx.botId);
    const arm = active.length > 0 && !active.some(isResting);
    const now = this.ctx.now();
    if (arm && this.deadManArmedAt !== null && now - this.deadManArmedAt < DEAD_MAN_MS / 3) return;
    if (!arm && this.deadManArmedAt === null) return;
    try {
      await this.ctx.retrier.call(ex, "cancelAllOrdersAfter", () => ex.cancelAllOrdersAfter(arm ? DEAD_MAN_MS : 0), { idempotent: true });
      this.deadManArmedAt = arm ? now : null;
    } catch (e) {
      // A switch the account cannot use must not stop the bot trading: say so once and go on without it.
      this.deadManBroken = true;
      this.ctx.log("warn", `${ex.name ?? ex.id} refused the dead-man switch (${e instanceof Error ? e.message : String(e)}); the bot runs without it, so its working orders stay if Keyflow stops.`);
    }
  }

  private deadManBroken = false;

  async step(bar: Bar, latest: boolean, bot: Bot): Promise<void> {
    this.row = bot;
    const strategy = this.ctx.strategy;
    // A candle stepped again after a failure (the runner retries it) does not feed the indicators twice.
    if (bar.time > this.updatedTo) strategy.update(bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume);
    this.updatedTo = Math.max(this.updatedTo, bar.time);
    await this.onBar(bar, latest, (state) => strategy.decide(state));
  }

  private halted(): boolean {
    return this.row.status === "halted";
  }

  private halt(reason: string, until: number | null): void {
    this.ctx.halt(reason, until);
    this.row = { ...this.row, status: "halted", haltedUntil: until };
  }

  // ---------------------------------------------------------------- reconciliation

  /**
   * Crash-only recovery, run before the bot does anything: every order the journal does not know
   * the end of is looked up by its client order id; fills missing from the journal are fetched; the
   * position from fills is compared with the exchange's balance.
   */
  async reconcile(): Promise<void> {
    const { repo, botId, gateway, assets, log } = this.ctx;
    const active = repo.activeOrders(botId, this.ctx.symbol);
    const fillsBefore = this.knownTrades.size;
    for (const o of active) await this.refresh(o, { waitForGrace: true });
    // Orders whose fills were not all recorded when the process died (status updated, fills not).
    const recorded = new Map<string, number>();
    for (const f of repo.fills(botId, this.ctx.symbol)) recorded.set(f.clientOrderId, (recorded.get(f.clientOrderId) ?? 0) + f.amount);
    for (const o of repo.allOrders(botId, this.ctx.symbol)) {
      if (o.exchangeOrderId && o.filledQty > (recorded.get(o.clientOrderId) ?? 0) + EPS) await this.recordFills(o, o.exchangeOrderId);
    }
    const recovered = this.knownTrades.size - fillsBefore;
    let held = await this.heldOnExchange();
    this.checkedFills = this.knownTrades.size;
    const stillOpen = repo.activeOrders(botId, this.ctx.symbol).length;
    log(
      "info",
      `Reconciled with the exchange: ${active.length} unfinished order${active.length === 1 ? "" : "s"} checked, ${stillOpen} still open, ${recovered} fill${recovered === 1 ? "" : "s"} recovered; position ${fmt(this.ledger.qty)} ${assets.base}, exchange balance ${fmt(held)} ${assets.base}.`,
    );
    // Coins missing, or orders that were still working while we read (a fill may have landed in between).
    const suspicious = held + this.amountStep() < this.ledger.qty || (active.length > 0 && Math.abs(held - this.ledger.qty) > this.amountStep());
    if (suspicious) {
      // Often a fill that landed between reading the orders and reading the balance: look again
      // once the open orders have settled before concluding anything.
      log("warn", `The exchange balance (${fmt(held)} ${assets.base}) differs from this bot's position from its fills (${fmt(this.ledger.qty)} ${assets.base}) by more than one amount step; checking again once its open orders settle.`);
      held = await this.recheckAfterOrdersSettle();
    }
    if (held + this.dust < this.ledger.qty) {
      this.halt(
        `The exchange holds ${fmt(held)} ${assets.base} but this bot's fills add up to ${fmt(this.ledger.qty)} ${assets.base} (${fmt(this.ledger.qty - held)} ${assets.base} missing, checked twice): someone traded or moved funds outside Keyflow. Check the account, then start the bot again.`,
        null,
      );
    } else if (held - this.ledger.qty > this.amountStep()) {
      log("info", `The account holds ${fmt(held - this.ledger.qty)} ${assets.base} more than this bot's position (other holdings or other bots on this account); the bot trades only its own ${fmt(this.ledger.qty)} ${assets.base}.`);
    }
  }

  private async heldOnExchange(): Promise<number> {
    return (await this.ctx.gateway.fetchBalance()).total[this.ctx.assets.base] ?? 0;
  }

  /** The market's amount step (precision), at least the dust threshold. */
  private amountStep(): number {
    const p = this.ctx.market.precision?.amount;
    return Math.max(this.dust, typeof p === "number" && p < 1 ? p : 0);
  }

  /** Follows the open orders until none changes any more (a few polls), then reads the balance again. */
  private async recheckAfterOrdersSettle(): Promise<number> {
    const { repo, botId, assets, log } = this.ctx;
    for (let i = 0; i < 5 && repo.activeOrders(botId, this.ctx.symbol).some((o) => o.status === "partially_filled" || o.status === "sent"); i++) {
      await this.ctx.sleep(1000);
      await this.sync();
    }
    const held = await this.heldOnExchange();
    this.checkedFills = this.knownTrades.size;
    const settled = Math.abs(held - this.ledger.qty) <= this.amountStep();
    log(settled ? "info" : "warn", `Checked again: exchange balance ${fmt(held)} ${assets.base}, position from fills ${fmt(this.ledger.qty)} ${assets.base}${settled ? " — they agree (a fill had landed during the first read)." : "."}`);
    return held;
  }

  // ---------------------------------------------------------------- following orders

  /** Follows every unfinished order once (between bars, and before each decision). */
  async sync(): Promise<void> {
    for (const o of this.ctx.repo.activeOrders(this.ctx.botId, this.ctx.symbol)) await this.refresh(o);
  }

  hasActiveOrders(): boolean {
    return this.ctx.repo.activeOrders(this.ctx.botId, this.ctx.symbol).length > 0;
  }

  private amendedInPlace(o: BotOrder): BotOrder | null {
    return amendedInPlace(o, (cid) => this.ctx.repo.getOrder(cid));
  }

  private exchangeClientId(o: BotOrder): string {
    return exchangeClientId(o, (cid) => this.ctx.repo.getOrder(cid));
  }

  private async refresh(o: BotOrder, opts: { waitForGrace?: boolean } = {}): Promise<void> {
    const { gateway, symbol, repo, log, crash, now } = this.ctx;
    if (o.status === "pending" && this.confirmedAbsent.has(o.clientOrderId)) return;
    if (this.amendedInPlace(o)) return this.refreshInPlace(o, opts);
    let snap = await gateway.findOrderByClientId(symbol, o.clientOrderId);
    crash("while-polling");
    if (!snap && (o.status === "pending" || o.status === "unknown")) {
      const age = now() - (o.sentAt ?? o.createdAt);
      if (age < this.ctx.unknownGraceMs) {
        if (!opts.waitForGrace) return;
        // A request cut off by a crash may still be on its way: give it the grace period, then look again.
        await this.ctx.sleep(this.ctx.unknownGraceMs - age);
        snap = await gateway.findOrderByClientId(symbol, o.clientOrderId);
      }
    }
    if (!snap) {
      if (o.status === "pending") {
        this.confirmedAbsent.add(o.clientOrderId);
      } else if (o.status === "unknown") {
        repo.updateOrder(o.clientOrderId, { status: "rejected", message: `${o.message ?? "Send outcome unknown"}; the exchange has no order with this client order id, so it was never placed.`, closedAt: now() });
        log("warn", `The ${o.intent} order of the ${utcMinute(o.barTime)} candle never reached the exchange (looked up by its client order id).`);
        if (o.side === "sell" && !isResting(o)) this.wantExit(o.intent);
      } else {
        repo.updateOrder(o.clientOrderId, { status: "cancelled", message: "The exchange no longer knows this order.", closedAt: now() });
        log("warn", `The exchange no longer knows the ${o.intent} order of the ${utcMinute(o.barTime)} candle; marked cancelled.`);
      }
      return;
    }
    if (o.status === "pending" || o.status === "unknown") log("info", `Found the ${o.intent} order of the ${utcMinute(o.barTime)} candle on the exchange (${snap.status}); it was not sent again.`);
    await this.adopt(o, snap);
  }

  /**
   * Follows an in-place amendment through the one exchange order (found by the client id it has
   * carried since it was placed). Not yet confirmed (journalled before a crash, or unanswered): the
   * order at the amendment's price means it took effect, and the amendment takes the order over; the
   * order still at its old price means it did not (sent once more by the next check, or closed as not
   * applied); the order gone means there is nothing left to amend.
   */
  private async refreshInPlace(o: BotOrder, opts: { waitForGrace?: boolean }): Promise<void> {
    const { gateway, symbol, repo, log, now } = this.ctx;
    const prev = this.amendedInPlace(o)!;
    const snap = await gateway.findOrderByClientId(symbol, this.exchangeClientId(o));
    if (o.status !== "pending" && o.status !== "unknown") {
      if (snap) return this.adopt(o, snap);
      repo.updateOrder(o.clientOrderId, { status: "cancelled", message: "The exchange no longer knows this order.", closedAt: now() });
      return;
    }
    const at = snap ? (snap.triggerPrice ?? snap.price) : undefined;
    const tick = this.priceStep();
    if (snap && at !== undefined && o.price !== null && Math.abs(at - o.price) <= tick / 2) {
      log("info", `Found the amendment ${o.intent} applied on the exchange (the order is at ${fmt(at)}); it was not sent again.`);
      this.takeOver(o, prev);
      return this.adopt(repo.getOrder(o.clientOrderId)!, snap);
    }
    const age = now() - (o.sentAt ?? o.createdAt);
    if (snap && ACTIVE.has(statusOf(snap)) && age < this.ctx.unknownGraceMs && !opts.waitForGrace) return;
    if (snap && ACTIVE.has(statusOf(snap)) && o.status === "pending") {
      this.confirmedAbsent.add(o.clientOrderId);
      return;
    }
    repo.updateOrder(o.clientOrderId, { status: "rejected", message: `${o.message ?? "Not applied"}; the exchange's order was ${snap ? `${statusOf(snap)} at ${fmt(at ?? 0)}` : "not found"}, so the amendment never took effect.`, closedAt: now() });
    log("warn", `The amendment ${o.intent} never took effect on the exchange; the stop is decided again at the next check.`);
    await this.refresh(repo.getOrder(prev.clientOrderId)!);
  }

  /** An in-place amendment that took effect: it becomes the exchange order's row; the row it amended closes. */
  private takeOver(o: BotOrder, prev: BotOrder): void {
    const { repo, now } = this.ctx;
    repo.updateOrder(prev.clientOrderId, { status: "cancelled", message: `Amended in place: the same exchange order continues as ${o.intent} at ${fmt(o.price ?? 0)}.`, closedAt: now() });
    repo.updateOrder(o.clientOrderId, { status: "sent", ...(o.sentAt === null ? { sentAt: now() } : {}) });
  }

  private priceStep(): number {
    const p = this.ctx.market.precision?.price;
    return typeof p === "number" && p < 1 ? p : 1e-8;
  }

  /** Records an order's new fills (first) and then its state from the exchange's snapshot. */
  private async adopt(o: BotOrder, snap: OrderSnapshot): Promise<void> {
    const { repo, now } = this.ctx;
    if (snap.filled > this.filledRecorded(o.clientOrderId) + EPS) await this.recordFills(o, snap.id);
    const status = statusOf(snap);
    const fills = repo.fillsForOrder(o.clientOrderId);
    const terminal = !ACTIVE.has(status);
    repo.updateOrder(o.clientOrderId, {
      status,
      exchangeOrderId: snap.id,
      amount: snap.amount || o.amount,
      filledQty: snap.filled,
      avgPrice: snap.average ?? (snap.filled > 0 && snap.cost > 0 ? snap.cost / snap.filled : null),
      fee: fills.reduce((s, f) => s + f.fee, 0),
      feeCurrency: fills[0]?.feeCurrency ?? null,
      ...(o.sentAt === null ? { sentAt: now() } : {}),
      ...(terminal && o.closedAt === null ? { closedAt: now() } : {}),
    });
    if (terminal && status !== o.status) {
      const what = status === "filled" ? `filled ${fmt(snap.filled)} at ${fmt(snap.average ?? 0)}` : `${status}${snap.filled > 0 ? ` after filling ${fmt(snap.filled)}` : ""}`;
      this.ctx.log("info", `${o.side === "buy" ? "Buy" : "Sell"} order (${o.intent}, candle ${utcMinute(o.barTime)}) ${what}.`);
      if (snap.filled > 0) {
        const stop = isStopReason(intentReason(o.intent));
        this.ctx.alert(stop ? "stop" : "fill", `${o.side === "buy" ? "Bought" : "Sold"} ${fmt(snap.filled)} ${this.ctx.assets.base} at ${fmt(snap.average ?? 0)} ${this.ctx.assets.quote} (${o.intent}).`);
      }
    }
  }

  private filledRecorded(cid: string): number {
    return this.ctx.repo.fillsForOrder(cid).reduce((s, f) => s + f.amount, 0);
  }

  private async fetchOrderTrades(exchangeOrderId: string, since: number): Promise<TradeSnapshot[]> {
    const { gateway, retrier, symbol } = this.ctx;
    const ex = gateway.exchange;
    if (ex.has["fetchOrderTrades"]) {
      const trades = await retrier.call(ex, `fetchOrderTrades ${exchangeOrderId}`, () => ex.fetchOrderTrades(exchangeOrderId, symbol), { idempotent: true });
      return trades.map((t) => ({
        id: String(t.id),
        orderId: t.order ?? undefined,
        symbol: t.symbol ?? symbol,
        side: t.side === "sell" ? "sell" : "buy",
        price: t.price ?? 0,
        amount: t.amount ?? 0,
        cost: t.cost ?? (t.price ?? 0) * (t.amount ?? 0),
        fee: t.fee && t.fee.cost !== undefined ? { cost: t.fee.cost, currency: t.fee.currency ?? "" } : undefined,
        takerOrMaker: t.takerOrMaker === "maker" || t.takerOrMaker === "taker" ? t.takerOrMaker : undefined,
        timestamp: t.timestamp ?? 0,
      }));
    }
    return (await gateway.fetchMyTrades(symbol, since)).filter((t) => t.orderId === exchangeOrderId);
  }

  /**
   * The bar a fill belongs to. A market order decided at a candle's close fills at the next open, so its
   * fills belong to that next bar whenever they are seen (by stream, by a poll, or by the REST check
   * before the next decision): the journal must not depend on when a message arrived. A resting order's
   * fill takes its bar from its timestamp when plausible, else the candle that reached it.
   */
  private fillBar(o: BotOrder, ts: number): number {
    const tf = this.ctx.tf;
    const lower = o.barTime + tf;
    if (o.type === "market" && !isResting(o)) return lower;
    const current = this.processing ?? (this.latestClosed !== null ? this.latestClosed + tf : lower);
    const upper = Math.max(lower, current + (this.processing === null ? 0 : tf));
    const tsBar = Math.floor(ts / tf) * tf;
    if (tsBar >= lower && tsBar <= upper) return tsBar;
    return Math.min(Math.max(current, lower), upper);
  }

  private async recordFills(o: BotOrder, exchangeOrderId: string): Promise<void> {
    const { repo, botId, crash, assets } = this.ctx;
    const trades = await this.fetchOrderTrades(exchangeOrderId, (o.sentAt ?? o.createdAt) - 10 * 60_000);
    trades.sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id));
    for (const t of trades) {
      if (this.knownTrades.has(t.id)) continue;
      const fill: NewBotFill = {
        botId,
        symbol: this.ctx.symbol,
        clientOrderId: o.clientOrderId,
        tradeId: t.id,
        side: t.side,
        price: t.price,
        amount: t.amount,
        cost: t.cost || t.price * t.amount,
        fee: t.fee?.cost ?? 0,
        feeCurrency: t.fee?.currency || assets.quote,
        time: t.timestamp,
        barTime: this.fillBar(o, t.timestamp),
        realizedPnl: null,
        channel: this.channel,
      };
      const wasOpen = this.ledger.open;
      fill.realizedPnl = this.ledger.apply(fill);
      if (!repo.recordFill(fill)) {
        // Recorded by an earlier process whose in-memory set we did not have: rebuild from the journal.
        this.rebuildLedger();
        continue;
      }
      this.knownTrades.add(t.id);
      crash("after-fill");
      if (t.side === "buy" && !wasOpen) {
        this.book = { ...this.book, entryRule: entryIndexOf(o.intent) ?? 0, peak: t.price, exitWanted: null, exitAttempts: 0 };
      }
      this.book = this.ledger.book(this.book);
    }
  }

  private rebuildLedger(): void {
    const fills = this.ctx.repo.fills(this.ctx.botId, this.ctx.symbol);
    for (const f of fills) this.knownTrades.add(f.tradeId);
    const fresh = ledgerFromFills(fills, this.ctx.initialCash, this.ctx.assets, this.dust);
    Object.assign(this.ledger, fresh);
    this.book = this.ledger.book(this.book);
  }

  private checkedFills = -1;

  /** After new fills: does the exchange still hold at least this bot's position? (Warns; reconcile halts.) */
  private async checkBalance(): Promise<void> {
    if (this.knownTrades.size === this.checkedFills) return;
    this.checkedFills = this.knownTrades.size;
    const { assets, gateway, log } = this.ctx;
    const held = (await gateway.fetchBalance()).total[assets.base] ?? 0;
    if (held + this.dust < this.ledger.qty) {
      log("warn", `The exchange holds ${fmt(held)} ${assets.base}, less than this bot's position of ${fmt(this.ledger.qty)} ${assets.base} from its fills. Was something sold outside Keyflow?`);
    }
  }

  // ---------------------------------------------------------------- one closed candle

  state(): PositionState {
    if (this.ledger.open && this.ledger.qty >= this.minSellable()) return LONG;
    const buying = this.ctx.repo.activeOrders(this.ctx.botId, this.ctx.symbol).some((o) => o.side === "buy");
    return buying ? PENDING_ENTRY : FLAT;
  }

  /** Below this a position cannot be sold (exchange minimum amount): it is dust, and the bot is flat. */
  private minSellable(): number {
    return Math.max(this.dust, this.ctx.market.limits?.amount?.min ?? 0);
  }

  /**
   * Acts on one closed candle, after the strategy has seen it. `latest` is false for candles being
   * caught up after a pause: their decisions are logged, not traded (the moment has passed).
   */
  private async onBar(bar: Bar, latest: boolean, decide: (state: PositionState) => number): Promise<void> {
    this.processing = bar.time;
    try {
      if (!latest) {
        this.catchUp(bar, decide);
        this.finalizePending(bar.time + this.ctx.tf);
        this.mark(bar);
        return;
      }
      await this.sync();
      await this.checkBalance();
      this.finalizePending(bar.time);
      await this.cancelStale(bar);
      const stop = this.checkStops(bar);
      this.mark(bar);
      if (!this.ctx.group) this.checkDailyLoss(bar);
      const state = this.state();
      const action = decide(state);
      // The flow's position after the candles missed during downtime, when it differs from the bot's.
      const missed = this.book.missed ?? null;
      this.book = { ...this.book, missed: null };
      const policy = this.row.afterDowntime;
      if (state === LONG) {
        // A stop resting on the exchange executes there (its fill is seen at the next poll); only the rest is sold here.
        if (stop && !this.restingFor(stop)) await this.exit(bar, stop, `${STOP_WORDS[stop]} reached on the ${utcMinute(bar.time)} candle`);
        else if (action === EXIT) await this.exit(bar, "exit", "sell signal");
        else if (this.book.exitWanted) await this.exit(bar, this.book.exitWanted, "retrying an exit that did not go through");
        else if (missed?.flow === "flat" && decide(FLAT) < 0) {
          // The flow got out while the bot was down and does not want back in now.
          const why = `the ${missed.what} of the ${utcMinute(missed.barTime)} candle came while the bot was not running`;
          if (policy.exits === "exit") await this.exit(bar, DOWNTIME_EXIT, `exit after downtime: ${why}`);
          else this.ctx.log("warn", `Holding the position although ${why}: this bot is set to hold after downtime until the next sell signal.`);
        } else await this.scale(bar);
      } else if (state === PENDING_ENTRY && action === EXIT) {
        await this.cancelBuys("the sell signal cancels the waiting entry");
      } else if (state === FLAT && action >= 0) {
        await this.enter(bar, action);
      } else if (state === FLAT && missed?.flow === "long" && policy.entries === "enter") {
        this.ctx.log("info", `Entering after downtime: the ${missed.what} of the ${utcMinute(missed.barTime)} candle came while the bot was not running (this bot is set to enter late).`);
        await this.enter(bar, missed.entryRule ?? 0);
      }
      await this.protect(bar);
    } finally {
      this.processing = null;
    }
  }

  /**
   * A candle that closed while the bot was not running (a restart, an outage): its moment has
   * passed, so nothing is traded now. The flow is followed over it as if it had traded — its
   * signals and this position's stops — and where that leaves the flow in a different position
   * than the bot, the next live candle acts on it (see afterDowntime).
   */
  private catchUp(bar: Bar, decide: (state: PositionState) => number): void {
    const real = this.state() === LONG ? "long" : "flat";
    const before = this.book.missed ?? null;
    const flow = before?.flow ?? real;
    let next: MissedSignal | null = before;
    if (flow === "long") {
      // The bot's own position's stops apply while the flow still holds it.
      const stop = real === "long" && before === null ? this.checkStops(bar) : null;
      if (stop) next = { flow: "flat", barTime: bar.time, what: STOP_WORDS[stop], entryRule: null };
      else if (decide(LONG) === EXIT) next = { flow: "flat", barTime: bar.time, what: "sell signal", entryRule: null };
    } else {
      const k = decide(FLAT);
      if (k >= 0) next = { flow: "long", barTime: bar.time, what: "buy signal", entryRule: k };
    }
    if (next !== before && next !== null) {
      this.ctx.log("info", `Missed the ${next.what} of the ${utcMinute(bar.time)} candle: it closed while the bot was not running.`);
    }
    // Back in the bot's position: nothing left to act on.
    this.book = { ...this.book, missed: next !== null && next.flow !== real ? next : null };
  }

  private mark(bar: Bar): void {
    this.book = { ...this.ledger.book(this.book), markPrice: bar.close, markTime: bar.time };
  }

  /** Journalled orders never sent (the process died in between) whose bar has passed are closed as not sent. */
  private finalizePending(barTime: number): void {
    const { repo, botId, now } = this.ctx;
    for (const o of repo.activeOrders(botId, this.ctx.symbol)) {
      if (o.status !== "pending" || !this.confirmedAbsent.has(o.clientOrderId) || o.barTime >= barTime) continue;
      repo.updateOrder(o.clientOrderId, { status: "rejected", message: "Not sent: the bot stopped between journalling and sending it, and its candle has passed.", closedAt: now() });
      this.confirmedAbsent.delete(o.clientOrderId);
      if (o.side === "sell" && !isResting(o)) this.wantExit(o.intent);
    }
  }

  /** Market orders still open a candle after their decision, and limit entries past their validity, are cancelled. */
  private async cancelStale(bar: Bar): Promise<void> {
    const { repo, botId, strategy, tf } = this.ctx;
    for (const o of repo.activeOrders(botId, this.ctx.symbol)) {
      if (o.status !== "open" && o.status !== "partially_filled" && o.status !== "sent") continue;
      if (isResting(o)) continue;
      let stale = false;
      if (o.type === "market") stale = bar.time >= o.barTime + tf;
      else {
        const k = entryIndexOf(o.intent);
        const validBars = k !== null ? strategy.entries[k]?.validBars : undefined;
        stale = validBars !== undefined && Number.isFinite(validBars) && bar.time >= o.barTime + validBars * tf;
      }
      if (!stale) continue;
      const res = await this.cancel(o, o.type === "market" ? "not filled a candle after it was sent" : "its limit expired");
      if (res && o.side === "sell") this.wantExit(o.intent);
    }
  }

  private async cancel(o: BotOrder, why: string): Promise<boolean> {
    const { gateway, symbol, log, repo } = this.ctx;
    const r = await gateway.cancelOrder(symbol, { clientOrderId: this.exchangeClientId(o) });
    if (r.status === "canceled") {
      await this.adopt(repo.getOrder(o.clientOrderId)!, r.order);
      log("info", `Cancelled the ${o.intent} order of the ${utcMinute(o.barTime)} candle: ${why}.`);
      return true;
    }
    await this.refresh(repo.getOrder(o.clientOrderId)!);
    return false;
  }

  private async cancelBuys(why: string): Promise<void> {
    for (const o of this.ctx.repo.activeOrders(this.ctx.botId, this.ctx.symbol)) {
      if (o.side === "buy" && o.status !== "pending") await this.cancel(o, why);
    }
  }

  /**
   * A person asked to close the position now: a market sell of the bot's own quantity, journalled
   * like any order under an intent that names the request (so a restart never sends it twice).
   */
  async closeNow(requestedAt: number, lastBarTime: number, markPrice: number): Promise<void> {
    const { log, assets } = this.ctx;
    if (!(this.ledger.open && this.ledger.qty >= this.minSellable())) {
      await this.cancelBuys("closed by hand");
      log("info", "Close requested: the bot holds no position; nothing to sell.");
      return;
    }
    await this.cancelBuys("the position is being closed by hand");
    await this.cancelResting("the position is being closed by hand");
    if (!this.ledger.open) return;
    const amount = this.sellableAmount();
    if (amount === null) return;
    log("info", `Selling ${fmt(amount)} ${assets.base}: closed by hand.`);
    const bar: Bar = { time: lastBarTime, open: markPrice, high: markPrice, low: markPrice, close: markPrice, volume: 0 };
    await this.place(bar, `${MANUAL_CLOSE}-${requestedAt.toString(36)}`, "sell", "market", amount, undefined);
  }

  /** Cancels every open order of the bot (stop, kill switch); returns how many were cancelled. */
  async cancelAll(why: string): Promise<number> {
    let n = 0;
    for (const o of this.ctx.repo.activeOrders(this.ctx.botId, this.ctx.symbol)) {
      if (o.status === "pending" && this.confirmedAbsent.has(o.clientOrderId)) {
        this.ctx.repo.updateOrder(o.clientOrderId, { status: "rejected", message: `Not sent: ${why}.`, closedAt: this.ctx.now() });
        continue;
      }
      // An order the exchange cancelled with another (an OCO's other leg) counts too: it was open and is no more.
      if ((await this.cancel(o, why)) || this.ctx.repo.getOrder(o.clientOrderId)?.status === "cancelled") n++;
    }
    return n;
  }

  private wantExit(intent: string): void {
    // A take-profit step that did not go through is not retried as an exit of the whole position.
    if (!this.ledger.open || isStepIntent(intent)) return;
    const base = intentReason(intent);
    this.book = { ...this.book, exitWanted: base === "exit" || isStopReason(base) ? base : "exit" };
  }

  // ---------------------------------------------------------------- stops (live: on closed candles)

  /**
   * Stops and targets in live trading are checked against each CLOSED candle's low and high and
   * executed with a market order at the next open — not intrabar like the simulated broker.
   */
  private checkStops(bar: Bar): StopReason | null {
    if (!this.ledger.open || this.book.entryRule === null) return null;
    const rule = this.ctx.strategy.entries[this.book.entryRule];
    if (!rule) return null;
    const entry = this.book.avgEntryPrice;
    const sl = stopLossLevel(rule, entry);
    const peak = Math.max(this.book.peak || entry, entry);
    const tr = trailLevel(peak, trailFraction(rule));
    const tp = takeProfitLevel(rule, entry);
    const trailFirst = trailingFirst(sl, tr);
    const stop = trailFirst ? tr : sl;
    let hit: StopReason | null = null;
    if (Number.isFinite(stop) && bar.low <= stop) hit = trailFirst ? "trailingStop" : "stopLoss";
    else if (Number.isFinite(tp) && bar.high >= tp) hit = "takeProfit";
    if (!hit && bar.high > peak) this.book = { ...this.book, peak: bar.high };
    return hit;
  }

  // ---------------------------------------------------------------- scaling in and out (live: on closed candles)

  /**
   * Safety orders and take-profit steps, with the simulated broker's levels and sizes
   * (core/engine/execution.ts), checked against each closed candle like the stops: a market buy for
   * each safety level the candle traded through, else a market sell for each step it reached. Each is
   * journalled under its own intent (`safety-<k>`, `takeProfit-p<k>`), so it is sent once per position.
   */
  private async scale(bar: Bar): Promise<void> {
    const { strategy, repo, botId, feeRate, gateway, symbol, log, assets } = this.ctx;
    const rule = this.book.entryRule === null ? undefined : strategy.entries[this.book.entryRule];
    const since = this.ledger.entryTime;
    if (!rule || !scales(rule) || since === null) return;
    const sent = repo.allOrders(botId, this.ctx.symbol).filter((o) => o.barTime >= since);
    const done = (re: RegExp) => sent.reduce((n, o) => Math.max(n, Number(re.exec(o.intent)?.[1] ?? 0)), 0);
    const ex = gateway.exchange;
    const amountOf = (qty: number): number | null => {
      try {
        return Number(ex.amountToPrecision(symbol, qty));
      } catch {
        return null;
      }
    };
    let held = this.ledger.qty;
    let avg = this.book.avgEntryPrice;
    let cash = this.positionCash();
    let added = false;
    const so = rule.safetyOrders;
    for (let k = done(/^safety-(\d+)$/) + 1; so !== null && k <= so.count; k++) {
      if (!(bar.low < safetyLevel(rule, this.ledger.firstPrice, k))) break;
      const price = bar.close;
      const amount = amountOf(capToMaxPosition(rule, safetyQty(rule, k, cash, price, feeRate), price, held, avg));
      if (amount === null || !(amount > 0)) break;
      const refused = this.refuseEntry(amount, price);
      if (refused) {
        log("warn", `Risk limit: safety order ${k} of the ${utcMinute(bar.time)} candle was not placed: ${refused}.`);
        break;
      }
      log("info", `Safety order ${k}: the ${utcMinute(bar.time)} candle traded below ${fmt(safetyLevel(rule, this.ledger.firstPrice, k))}; buying ${fmt(amount)} ${assets.base}.`);
      await this.place(bar, `safety-${k}`, "buy", "market", amount, undefined);
      avg = (held * avg + amount * price) / (held + amount);
      held += amount;
      cash -= amount * price * (1 + feeRate);
      added = true;
    }
    // The steps' levels follow the average, which the buys just sent will move: they wait for the next candle.
    if (added) return;
    const tp = takeProfitLevel(rule, avg);
    for (let k = done(/^takeProfit-p(\d+)(?:-r\d+)?$/) + 1; k <= rule.takeProfitSteps.length && held >= this.minSellable(); k++) {
      const level = stepLevel(rule, avg, k - 1);
      if (tp <= level || !(bar.high >= level)) break;
      const amount = amountOf(Math.min(held, stepQty(rule, held, k - 1)));
      if (amount === null || !(amount > 0)) break;
      log("info", `Take-profit step ${k}: the ${utcMinute(bar.time)} candle reached ${fmt(level)}; selling ${fmt(amount)} ${assets.base}.`);
      await this.place(bar, `takeProfit-p${k}`, "sell", "market", amount, undefined);
      held -= amount;
    }
  }

  /** Cash the open position may still buy with: a group market's is what is left of its stake (as the portfolio's broker holds it). */
  private positionCash(): number {
    return this.ctx.group ? Math.max(0, (this.book.stake ?? 0) - this.ledger.costBasis) : this.ledger.cash;
  }

  // ---------------------------------------------------------------- stops resting on the exchange

  /** The exchange refused to hold this position's stop: its stops are checked on closed candles until it is closed. */
  private restingRefused = false;

  private async cancelResting(why: string): Promise<void> {
    for (const o of this.ctx.repo.activeOrders(this.ctx.botId, this.ctx.symbol)) {
      if (isResting(o) && o.status !== "pending") await this.cancel(o, why);
    }
  }

  /**
   * Keeps the open position's stop resting on the exchange where it can hold one: placed once the
   * entry has filled, moved up (cancel + replace, at most once per candle, by at least one price
   * step) as the trailing stop's peak rises, never loosened. The take profit rests beside it only as
   * an OCO (Binance spot); otherwise it is checked on closed candles.
   */
  private async protect(bar: Bar): Promise<void> {
    const { repo, botId, gateway, symbol } = this.ctx;
    const resting = repo.activeOrders(botId, this.ctx.symbol).filter(isResting);
    if (!this.ledger.open || this.state() !== LONG) {
      if (resting.length > 0 && !this.ledger.open) await this.cancelResting("the position is closed");
      this.restingRefused = false;
      return;
    }
    if (this.ctx.restingStops === null || this.restingRefused || this.book.entryRule === null || this.book.exitWanted) return;
    // A position that scales in or out changes size: its stops are checked on closed candles (bots/README.md).
    if (scales(this.ctx.strategy.entries[this.book.entryRule] ?? this.ctx.strategy.entries[0]!)) return;
    // A sell already working (an exit, a close by hand) holds the coins: nothing to protect meanwhile.
    if (repo.activeOrders(botId, this.ctx.symbol).some((o) => o.side === "sell" && !isResting(o))) return;
    const rule = this.ctx.strategy.entries[this.book.entryRule];
    if (!rule) return;
    const entry = this.book.avgEntryPrice;
    const sl = stopLossLevel(rule, entry);
    const tr = trailLevel(Math.max(this.book.peak || entry, entry), trailFraction(rule));
    const trailFirst = trailingFirst(sl, tr);
    const level = trailFirst ? tr : sl;
    const target = takeProfitLevel(rule, entry);
    const oco = this.ctx.restingStops === "oco" && target > 0;
    if (!(level > 0) && !oco) return;
    const price = (x: number) => (x > 0 ? Number(gateway.exchange.priceToPrecision(symbol, x)) : NaN);
    const stopPrice = price(level);
    const current = resting.find((o) => intentReason(o.intent) !== "takeProfit") ?? resting[0];
    const reason: StopReason = trailFirst ? "trailingStop" : "stopLoss";
    let replaced: Amendment | undefined;
    if (current) {
      if (current.status === "pending" || intentReason(current.intent) === "takeProfit") return;
      // Never loosened, and moved only when the new level is at least one price step higher.
      if (current.price !== null && !(stopPrice > current.price)) return;
      const why = `the ${STOP_WORDS[reason]} moves up to ${fmt(stopPrice)}`;
      // In place where the exchange can move it in one request: the position is never without its stop.
      if (!oco && current.exchangeOrderId !== null && current.filledQty === 0 && amendSupport(gateway.exchange, this.ctx.market, "stop") !== null) {
        await this.amendStop(bar, current, reason, stopPrice, why);
        return;
      }
      // Otherwise cancel, then place: the time in between (no stop working) is measured and journalled.
      await this.cancelResting(why);
      if (repo.activeOrders(botId, this.ctx.symbol).some(isResting)) return;
      replaced = { replaces: current.clientOrderId, cancelAckAt: this.ctx.now() };
    }
    if (!this.ledger.open) return;
    const amount = this.sellableAmount();
    if (amount === null) return;
    const n = repo.allOrders(botId, this.ctx.symbol).filter(isResting).length + 1;
    if (oco && stopPrice > 0) await this.placeOco(bar, n, reason, amount, stopPrice, price(target), replaced);
    else if (stopPrice > 0) await this.place(bar, `${RESTING}${reason}-${n}`, "sell", "market", amount, undefined, { kind: "stopLoss", price: stopPrice }, replaced);
    else await this.place(bar, `${RESTING}takeProfit-${n}`, "sell", "market", amount, undefined, { kind: "takeProfit", price: price(target) });
  }

  /**
   * Moves the resting stop to `stopPrice` in one request (`amendSupport`): journalled first as an
   * amendment with its own client order id (replaces = the stop it moves), so a restart finds it by that
   * id. An amendment journalled before a restart is looked up, and sent only once its absence is sure.
   */
  private async amendStop(bar: Bar, current: BotOrder, reason: StopReason, stopPrice: number, why: string): Promise<void> {
    const { repo, botId, gateway, symbol, crash, log, now } = this.ctx;
    let row = repo.activeOrders(botId, this.ctx.symbol).find((o) => o.replaces === current.clientOrderId);
    if (row) {
      if (row.status !== "pending" || !this.confirmedAbsent.has(row.clientOrderId)) {
        await this.refresh(row, { waitForGrace: true });
        row = repo.getOrder(row.clientOrderId)!;
        if (row.status !== "pending" || !this.confirmedAbsent.has(row.clientOrderId)) return;
      }
      log("info", `Sending the amendment ${row.intent} that was journalled but never sent before the restart.`);
    } else {
      const n = repo.allOrders(botId, this.ctx.symbol).filter(isResting).length + 1;
      const intent = `${RESTING}${reason}-${n}`;
      const cid = this.orderId(bar.time, intent);
      if (repo.getOrder(cid)) return; // this candle's amendment was decided already (and finished)
      // In place (OKX, Bybit): the amendment records the exchange order it amends, which keeps its ids.
      const inPlace = amendSupport(gateway.exchange, this.ctx.market, "stop") === "in-place";
      row = repo.journal({ botId, symbol, clientOrderId: cid, barTime: bar.time, intent, side: "sell", type: "market", amount: current.amount, price: stopPrice, status: "pending", replaces: current.clientOrderId, amendMode: "edit", ...(inPlace ? { exchangeOrderId: current.exchangeOrderId } : {}) }).order;
    }
    crash("amend-after-journal");
    if (this.ctx.isStopped()) {
      repo.updateOrder(row.clientOrderId, { status: "rejected", message: "Not sent: the bot was stopped.", closedAt: now() });
      this.confirmedAbsent.delete(row.clientOrderId);
      return;
    }
    const res = await gateway.amendOrder({
      symbol,
      id: current.exchangeOrderId!,
      clientOrderId: current.clientOrderId,
      newClientOrderId: row.clientOrderId,
      side: "sell",
      type: "market",
      amount: row.amount,
      trigger: { kind: "stopLoss", price: row.price ?? stopPrice },
    });
    crash("amend-after-send");
    this.confirmedAbsent.delete(row.clientOrderId);
    const cid = row.clientOrderId;
    if (res.status === "amended" && res.inPlace) {
      // The same exchange order at its new price: the amendment's row follows it from now on.
      repo.updateOrder(cid, { amount: Number(res.sent.amount), price: Number(res.sent.price), sentAt: now() });
      this.takeOver(repo.getOrder(cid)!, repo.getOrder(current.clientOrderId)!);
      log("info", `Moved the ${STOP_WORDS[reason]} in place on the exchange (${why}): sell ${res.sent.amount} ${this.ctx.assets.base} when the price reaches ${res.sent.price} (${row.intent} amends ${current.intent}, same exchange order, candle ${utcMinute(bar.time)}).`);
      await this.refresh(repo.getOrder(cid)!);
    } else if (res.status === "amended") {
      repo.updateOrder(cid, { status: "sent", exchangeOrderId: res.order.id, amount: Number(res.sent.amount), price: Number(res.sent.price), sentAt: now() });
      // The order it replaces is cancelled by the same request: read its end state (and any fill before it).
      await this.refresh(repo.getOrder(current.clientOrderId)!);
      repo.updateOrder(current.clientOrderId, { message: `Amended in place: replaced by ${row.intent} at ${res.sent.price}.` });
      log("info", `Moved the ${STOP_WORDS[reason]} in place on the exchange (${why}): sell ${res.sent.amount} ${this.ctx.assets.base} when the price reaches ${res.sent.price} (${row.intent} replaces ${current.intent}, candle ${utcMinute(bar.time)}).`);
      await this.adopt(repo.getOrder(cid)!, res.order);
    } else if (res.status === "rejected") {
      repo.updateOrder(cid, { status: "rejected", message: res.message, closedAt: now() });
      await this.refresh(repo.getOrder(current.clientOrderId)!);
      const gone = !ACTIVE.has(repo.getOrder(current.clientOrderId)!.status);
      log("warn", `The exchange refused to move the ${STOP_WORDS[reason]} (${res.message}); ${gone ? "the stop it was moving is no longer working, so a new one is placed at the next check" : `the stop at ${fmt(current.price ?? 0)} stays`}.`);
    } else {
      repo.updateOrder(cid, { status: "unknown", message: res.message, sentAt: now() });
      log("warn", `The exchange did not confirm moving the ${STOP_WORDS[reason]} (${res.message}); looking both orders up by their client order ids.`);
      await this.refresh(repo.getOrder(current.clientOrderId)!);
      await this.refresh(repo.getOrder(cid)!);
    }
  }

  /** The gap of a cancel-and-replace, measured when the new order's acknowledgement arrives. */
  private gapSince(replaced: Amendment): { gapMs: number } {
    return { gapMs: Math.max(0, this.ctx.now() - replaced.cancelAckAt) };
  }

  /** The stop loss (or trailing stop) and the take profit as one OCO list; both legs are journalled before it is sent. */
  private async placeOco(bar: Bar, n: number, reason: StopReason, amount: number, stopPrice: number, takeProfitPrice: number, replaced?: Amendment): Promise<void> {
    const { repo, botId, gateway, symbol, log, now } = this.ctx;
    const id = (intent: string) => this.orderId(bar.time, intent);
    const legs = [
      { intent: `${RESTING}${reason}-${n}`, price: stopPrice },
      { intent: `${RESTING}takeProfit-${n}`, price: takeProfitPrice },
    ].map((l) => ({ ...l, cid: id(l.intent) }));
    if (legs.some((l) => repo.getOrder(l.cid))) return; // journalled before a restart: followed by sync
    for (const [i, l] of legs.entries()) {
      repo.journal({ botId, symbol, clientOrderId: l.cid, barTime: bar.time, intent: l.intent, side: "sell", type: "market", amount, price: l.price, status: "pending", ...(replaced && i === 0 ? { replaces: replaced.replaces, amendMode: "cancel-replace" as const } : {}) });
    }
    if (this.ctx.isStopped()) {
      for (const l of legs) repo.updateOrder(l.cid, { status: "rejected", message: "Not sent: the bot was stopped.", closedAt: now() });
      return;
    }
    const res = await gateway.placeOco({ symbol, amount, stopPrice, takeProfitPrice, listClientOrderId: id(`${RESTING}list-${n}`), stopClientOrderId: legs[0]!.cid, takeProfitClientOrderId: legs[1]!.cid });
    if (res.status === "placed") {
      const gap: { gapMs?: number } = replaced ? this.gapSince(replaced) : {};
      repo.updateOrder(legs[0]!.cid, { status: "sent", exchangeOrderId: res.stopOrderId || null, amount: Number(res.sent.amount), price: Number(res.sent.stopPrice), sentAt: now(), ...gap });
      repo.updateOrder(legs[1]!.cid, { status: "sent", exchangeOrderId: res.takeProfitOrderId || null, amount: Number(res.sent.amount), price: Number(res.sent.takeProfitPrice), sentAt: now() });
      if (gap.gapMs !== undefined) log("info", `Replaced the OCO by cancel and new list (an order list cannot be amended in place): no stop was working for ${gap.gapMs} ms.`);
      log("info", `Placed an OCO resting on the exchange: sell ${res.sent.amount} ${this.ctx.assets.base} at the ${STOP_WORDS[reason]} ${res.sent.stopPrice} or the take profit ${res.sent.takeProfitPrice}, whichever comes first (candle ${utcMinute(bar.time)}).`);
    } else if (res.status === "rejected") {
      for (const l of legs) repo.updateOrder(l.cid, { status: "rejected", message: res.message, closedAt: now() });
      this.restingRefused = true;
      log("warn", `The exchange would not hold the OCO (${res.message}); this position's stops are checked on each closed candle instead.`);
    } else {
      for (const l of legs) repo.updateOrder(l.cid, { status: "unknown", message: res.message, sentAt: now() });
      log("warn", `The exchange did not confirm the OCO of the ${utcMinute(bar.time)} candle (${res.message}); looking its legs up by their client order ids.`);
    }
  }

  /** Whether the exit the candle check found rests on the exchange (then the exchange, not a market sell, executes it). */
  private restingFor(hit: StopReason): boolean {
    return this.ctx.repo
      .activeOrders(this.ctx.botId, this.ctx.symbol)
      .some((o) => isResting(o) && o.status !== "pending" && (intentReason(o.intent) === "takeProfit") === (hit === "takeProfit"));
  }

  // ---------------------------------------------------------------- risk

  private checkDailyLoss(bar: Bar): void {
    if (this.halted()) return;
    const { loss, dayEnd } = lossToday(this.ctx.repo.fills(this.ctx.botId), [{ ledger: this.ledger, mark: bar.close }], this.ctx.now());
    const reason = dailyLossHalt(loss, this.row.risk.maxDailyLoss, this.ctx.assets.quote);
    if (reason) this.halt(reason, dayEnd);
  }

  /** Why an entry must not be sent, or null. Exits are never refused: they reduce risk. */
  private refuseEntry(qty: number, price: number): string | null {
    const { maxOrderValue, maxPosition, maxOrdersPerHour } = this.row.risk;
    const q = this.ctx.assets.quote;
    if (this.halted()) return "the bot is halted (see its status)";
    const value = qty * price;
    const cap = probationCap(this.row.probation, this.ctx.initialCash);
    if (cap !== null && value > cap * (1 + 1e-9)) return `the order is worth ${fmt(value, 2)} ${q}, above the probation cap of ${fmt(cap, 2)} ${q}`;
    if (maxOrderValue !== null && value > maxOrderValue) return `the order is worth ${fmt(value, 2)} ${q}, above the limit of ${maxOrderValue} ${q} per order`;
    const position = (this.ledger.qty + qty) * price;
    if (maxPosition !== null && position > maxPosition) return `the position would be worth ${fmt(position, 2)} ${q}, above the limit of ${maxPosition} ${q}`;
    if (maxOrdersPerHour !== null) {
      const n = this.ctx.repo.countOrdersSince(this.ctx.botId, this.ctx.now() - 3_600_000);
      if (n >= maxOrdersPerHour) return `${n} orders were placed in the last hour, the limit is ${maxOrdersPerHour}`;
    }
    return null;
  }

  // ---------------------------------------------------------------- orders

  private async enter(bar: Bar, k: number): Promise<void> {
    const { strategy, feeRate, gateway, symbol, log, assets } = this.ctx;
    const rule = strategy.entries[k]!;
    const ex = gateway.exchange;
    let price = bar.close;
    if (rule.type === "limit") price = Number(ex.priceToPrecision(symbol, bar.close * (1 - rule.offsetPct / 100)));
    // A group's market is sized on the stake the group gives the position (the portfolio's rule), or skips.
    const cash = this.ctx.group ? this.ctx.group.admit() : this.ledger.cash;
    if (cash === null) return;
    if (this.ctx.group) this.book = { ...this.book, stake: cash };
    // Sized like the simulated broker sizes at the fill: never more than the bot's cash including the fee.
    let qty = entryQty(rule.sizing, cash, price, feeRate);
    // Probation: the entry is sized down to the cap (refuseEntry holds it to the cap after rounding).
    const cap = probationCap(this.row.probation, this.ctx.initialCash);
    if (cap !== null && qty * price > cap) qty = cap / price;
    if (!(qty > 0)) {
      log("warn", `Entry signal on the ${utcMinute(bar.time)} candle, but the bot has no cash left to buy with.`);
      return;
    }
    let amount: number;
    try {
      amount = Number(ex.amountToPrecision(symbol, qty));
    } catch {
      log("warn", `Entry signal on the ${utcMinute(bar.time)} candle: ${fmt(qty)} ${assets.base} is below the market's smallest amount; not placed.`);
      return;
    }
    const refused = this.refuseEntry(amount, price);
    if (refused) {
      log("warn", `Risk limit: the entry of the ${utcMinute(bar.time)} candle was not placed: ${refused}.`);
      return;
    }
    await this.place(bar, k === 0 ? "entry" : `entry${k}`, "buy", rule.type, amount, rule.type === "limit" ? price : undefined);
  }

  /** The whole position in the market's amount precision, or null (logged) when it is below the smallest amount. */
  private sellableAmount(): number | null {
    const { gateway, symbol, log, assets } = this.ctx;
    try {
      return Number(gateway.exchange.amountToPrecision(symbol, this.ledger.qty));
    } catch {
      log("warn", `Cannot sell ${fmt(this.ledger.qty)} ${assets.base}: below the market's smallest amount.`);
      return null;
    }
  }

  private async exit(bar: Bar, reason: string, why: string): Promise<void> {
    const { repo, botId, log, assets } = this.ctx;
    // A sell already working (e.g. sent on this candle before a restart) is not doubled.
    // (A journalled-but-unsent one is not working: place() below sends it, once its absence is confirmed.)
    if (repo.activeOrders(botId, this.ctx.symbol).some((o) => o.side === "sell" && !isResting(o) && o.barTime === bar.time && o.status !== "pending")) return;
    await this.cancelBuys("the position is being closed");
    await this.cancelResting(`the position is being closed (${why})`);
    // The resting stop may have filled before the cancel reached it: then there is nothing left to sell.
    if (!this.ledger.open || this.ledger.qty < this.minSellable()) return;
    const amount = this.sellableAmount();
    if (amount === null) return;
    const attempts = this.book.exitWanted ? this.book.exitAttempts : 0;
    if (attempts >= MAX_EXIT_ATTEMPTS) {
      log("error", `Gave up closing the position after ${attempts} failed exits: close ${fmt(this.ledger.qty)} ${assets.base} on the exchange by hand.`);
      this.book = { ...this.book, exitWanted: null, exitAttempts: 0 };
      return;
    }
    const intent = attempts > 0 ? `${reason}-r${attempts}` : reason;
    log("info", `Selling ${fmt(amount)} ${assets.base}: ${why}.`);
    this.book = { ...this.book, exitWanted: null, exitAttempts: attempts + 1 };
    await this.place(bar, intent, "sell", "market", amount, undefined);
  }

  /** "Order rejected: insufficient USDT (need 5,012, have 4,100)", with the balance read now when it can be. */
  private async insufficientFunds(side: "buy" | "sell", amount: number, price: number): Promise<string> {
    const { assets, gateway } = this.ctx;
    const asset = side === "buy" ? assets.quote : assets.base;
    const need = side === "buy" ? amount * price : amount;
    let have: number | undefined;
    try {
      have = (await gateway.fetchBalance()).free?.[asset];
    } catch {
      have = undefined;
    }
    const n = (x: number) => x.toLocaleString("en", { maximumFractionDigits: side === "buy" ? 2 : 8 });
    return `Order rejected: insufficient ${asset} (need ${n(need)}${have !== undefined ? `, have ${n(have)}` : ""}). Add funds or lower the bot's budget, then the next order goes through.`;
  }

  private async place(
    bar: Bar,
    intent: string,
    side: "buy" | "sell",
    type: "market" | "limit",
    amount: number,
    price: number | undefined,
    trigger?: { kind: "stopLoss" | "takeProfit"; price: number },
    replaced?: Amendment,
  ): Promise<void> {
    const { repo, botId, gateway, symbol, crash, log, now } = this.ctx;
    const cid = this.orderId(bar.time, intent);
    let row = repo.getOrder(cid);
    if (row) {
      // Never act twice on one bar: this decision was journalled already (before a restart).
      if (row.status !== "pending") return;
      if (!this.confirmedAbsent.has(cid)) {
        await this.refresh(row, { waitForGrace: true });
        row = repo.getOrder(cid)!;
        if (row.status !== "pending" || !this.confirmedAbsent.has(cid)) return;
      }
      log("info", `Sending the ${intent} order of the ${utcMinute(bar.time)} candle that was journalled but never sent before the restart.`);
    } else {
      crash("before-journal");
      row = repo.journal({ botId, symbol, clientOrderId: cid, barTime: bar.time, intent, side, type, amount, price: price ?? trigger?.price ?? null, status: "pending", ...(replaced ? { replaces: replaced.replaces, amendMode: "cancel-replace" as const } : {}) }).order;
    }
    crash("after-journal");
    if (this.ctx.isStopped()) {
      repo.updateOrder(cid, { status: "rejected", message: "Not sent: the bot was stopped.", closedAt: now() });
      this.confirmedAbsent.delete(cid);
      return;
    }
    const res = await gateway.placeOrder({ symbol, side, type, amount, ...(price !== undefined ? { price } : {}), ...(trigger ? { trigger } : {}), referencePrice: bar.close, clientOrderId: cid });
    crash("after-send");
    this.confirmedAbsent.delete(cid);
    if (res.status === "placed") {
      this.ctx.orderProblem(null);
      const gap: { gapMs?: number } = replaced ? this.gapSince(replaced) : {};
      repo.updateOrder(cid, { status: "sent", exchangeOrderId: res.order.id, amount: Number(res.sent.amount), price: res.sent.price === undefined ? null : Number(res.sent.price), sentAt: now(), ...gap });
      if (gap.gapMs !== undefined) log("info", `Replaced by cancel and new order (the exchange cannot amend it in place): no stop was working for ${gap.gapMs} ms.`);
      const spending = res.sent.cost === undefined ? "" : `, spending ${res.sent.cost} ${this.ctx.assets.quote}`;
      const what = trigger ? `${STOP_WORDS[intentReason(intent) as StopReason]} order resting on the exchange: sell ${res.sent.amount} ${this.ctx.assets.base} when the price reaches ${res.sent.price}` : `${side} ${type} ${res.sent.amount} ${this.ctx.assets.base}${res.sent.price ? ` at ${res.sent.price}` : ""}${spending}`;
      log("info", `Placed ${what} (${intent}, candle ${utcMinute(bar.time)}).`);
      await this.adopt(repo.getOrder(cid)!, res.order);
    } else if (res.status === "rejected") {
      repo.updateOrder(cid, { status: "rejected", message: res.message, closedAt: now() });
      log("warn", `The ${intent} order of the ${utcMinute(bar.time)} candle was rejected (${res.reason}): ${res.message}`);
      if (res.reason === "insufficient-funds") this.ctx.orderProblem(await this.insufficientFunds(side, amount, price ?? bar.close));
      if (trigger) {
        this.restingRefused = true;
        log("warn", `The exchange would not hold the ${STOP_WORDS[intentReason(intent) as StopReason] ?? "stop"} order; this position's stops are checked on each closed candle instead.`);
      } else if (side === "sell") this.wantExit(intent);
    } else {
      repo.updateOrder(cid, { status: "unknown", message: res.message, sentAt: now() });
      log("warn", `The exchange did not confirm the ${intent} order of the ${utcMinute(bar.time)} candle (${res.message}); looking it up by its client order id instead of sending it again.`);
      await this.refresh(repo.getOrder(cid)!);
    }
  }
}
