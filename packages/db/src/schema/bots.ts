import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { flowColumn } from "./flowColumn";
import type { StrategySpec, Timeframe } from "@keyflow/core";
import { z } from "zod";
import { exchangeKeys } from "./keys";
import { strategies } from "./strategies";

export const BOT_MODES = ["paper", "live"] as const;
export type BotMode = (typeof BOT_MODES)[number];

/**
 * running: acting on candles; halted: a risk limit stopped new entries (see haltReason); paused: not
 * acting, its working orders (a stop resting on the exchange) left in place, catching up on resume;
 * stopped: not running, its orders cancelled.
 */
export const BOT_STATUSES = ["running", "stopped", "halted", "paused"] as const;
export type BotStatus = (typeof BOT_STATUSES)[number];

/**
 * Per-bot limits, checked before every live order; null = no limit. Values in the market's quote
 * currency: maxPosition is the position's value (amount × price) after the order.
 */
export interface BotRiskLimits {
  maxOrderValue: number | null;
  maxPosition: number | null;
  maxDailyLoss: number | null;
  maxOrdersPerHour: number | null;
}

/** What the process running a bot last observed (the bot's status says what the person asked for). */
export const BOT_HEALTH_STATES = ["starting", "warming", "running", "degraded"] as const;
export type BotHealthState = (typeof BOT_HEALTH_STATES)[number];
export interface BotHealth {
  state: BotHealthState;
  /** Plain words: "Can't reach binance since 14:02 UTC — retrying every 10 s". */
  reason: string | null;
  /** When this state began (unix ms). */
  since: number;
  /** A degraded state that only a later success of the same kind clears (a rejected order), not the next good poll. */
  sticky?: boolean;
  /** How the bot hears of candles and orders now, and the REST requests it spent in the last minute. */
  delivery?: { candles: "stream" | "poll"; orders: "stream" | "poll" | null; requestsPerMinute: number };
}

/**
 * What a live bot does about signals of candles that closed while it was not running (a restart,
 * an outage). The flow is replayed over those candles; then its position is compared with the bot's.
 */
export const afterDowntimeSchema = z.strictObject({
  /** The flow got out while the bot was down but the bot still holds: "exit" at once (default), or "hold" until the next sell signal. */
  exits: z.enum(["exit", "hold"]).default("exit"),
  /** The flow got in while the bot was down: "skip" that entry (default), or "enter" late at the next candle's price. */
  entries: z.enum(["skip", "enter"]).default("skip"),
});
export type AfterDowntime = z.infer<typeof afterDowntimeSchema>;
export const DEFAULT_AFTER_DOWNTIME: AfterDowntime = { exits: "exit", entries: "skip" };

/** A signal of a candle that closed while the bot was down, after which the flow's position differs from the bot's. */
export interface MissedSignal {
  /** The flow's position after the missed candles. */
  flow: "flat" | "long";
  /** The candle whose signal (or stop) was missed. */
  barTime: number;
  /** "sell signal", "stop loss", "buy signal"… */
  what: string;
  /** For a missed entry: the entry rule that fired. */
  entryRule: number | null;
}

/** The bot's book as last computed by its runner (from fills in live, from the simulated broker in paper). */
export interface BotBook {
  /** Base amount held by this bot. */
  qty: number;
  /** Quote currency of the bot's budget left (initial cash + sells − buys − quote fees). */
  cash: number;
  /** Average entry price of the open position (0 when flat). */
  avgEntryPrice: number;
  /** Bar time of the first entry fill of the open position. */
  entryTime: number | null;
  /** Last close seen, and its bar. */
  markPrice: number | null;
  markTime: number | null;
  realizedPnl: number;
  /** Fees paid, valued in quote. */
  fees: number;
  /** Highest high since entry (trailing stops in live). */
  peak: number;
  /** Quote spent on the open position, fees included (unrealized PnL = qty × mark − costBasis). */
  costBasis: number;
  /** Live: index of the entry rule that opened the position (its stops apply). */
  entryRule: number | null;
  /** Live: an exit that failed and is retried on the next bars (its intent), with the attempts so far. */
  exitWanted: string | null;
  exitAttempts: number;
  /** Holdings below this (the market's smallest sellable amount) count as flat. */
  dust: number;
  /** Live: set while catching up on candles that closed during downtime, acted on at the next live candle. */
  missed?: MissedSignal | null;
  /** Live, a market of a bot over several markets: the cash its position was given at entry (its stake; safety orders buy with what is left of it). */
  stake?: number;
  /**
   * A bot over several markets (flow.portfolio): its positions, each marked to its market's last
   * close. `qty` above is then 0 and `cash` is all the group's cash.
   */
  group?: {
    positionsValue: number;
    positionsCost: number;
    markets: {
      symbol: string;
      qty: number;
      avgEntryPrice: number;
      entryTime: number | null;
      markPrice: number | null;
      skippedEntries: number;
      /** Live: the market's own book (its entry rule, peak, exit retries, missed signals, stake), restored on a restart. */
      book?: BotBook;
    }[];
  };
}

/** Who runs the bot now: a process holding the lease renews it every loop. */
export interface BotLease {
  pid: number;
  host: string;
  token: string;
  until: number;
}

/**
 * A new live bot's probation ("start small"): each entry is capped at `fraction` of its budget until
 * the person lifts the cap, which Keyflow asks for after `trades` closed trades or at `until`,
 * whichever comes first. Null: no probation (paper bots, bots from before it, or switched off).
 */
export interface BotProbation {
  fraction: number;
  trades: number;
  startedAt: number;
  until: number;
  /** When Keyflow asked the person to lift the cap (once). */
  askedAt: number | null;
  /** When the person lifted it; the cap holds until then. */
  liftedAt: number | null;
}

export const bots = sqliteTable(
  "bots",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    strategyId: text("strategy_id").references(() => strategies.id, { onDelete: "set null" }),
    strategyVersion: integer("strategy_version"),
    /** The flow as deployed (market and settings as the bot uses them). */
    flow: flowColumn("flow").notNull(),
    spec: text("spec", { mode: "json" }).$type<StrategySpec>().notNull(),
    specHash: text("spec_hash").notNull(),
    exchange: text("exchange").notNull(),
    symbol: text("symbol").notNull(),
    timeframe: text("timeframe").$type<Timeframe>().notNull(),
    mode: text("mode", { enum: BOT_MODES }).notNull().default("paper"),
    keyId: text("key_id").references(() => exchangeKeys.id, { onDelete: "set null" }),
    risk: text("risk", { mode: "json" }).$type<BotRiskLimits>().notNull(),
    afterDowntime: text("after_downtime", { mode: "json" }).$type<AfterDowntime>().notNull().default(DEFAULT_AFTER_DOWNTIME),
    status: text("status", { enum: BOT_STATUSES }).notNull(),
    haltReason: text("halt_reason"),
    /** A person asked to close the position now (live): the runner sells at its next poll and clears this. */
    closeRequestedAt: integer("close_requested_at"),
    /** Reported by the runner; null until a process picks the bot up. */
    health: text("health", { mode: "json" }).$type<BotHealth | null>(),
    /** A daily-loss halt ends here (next UTC midnight); null = until started again. */
    haltedUntil: integer("halted_until"),
    warmupBars: integer("warmup_bars").notNull(),
    /** First bar the bot may act on (bars before it only warm the indicators up). */
    startBarTime: integer("start_bar_time"),
    /** Last bar fully processed; the next one is lastBarTime + timeframe. */
    lastBarTime: integer("last_bar_time"),
    book: text("book", { mode: "json" }).$type<BotBook>().notNull(),
    lease: text("lease", { mode: "json" }).$type<BotLease | null>(),
    probation: text("probation", { mode: "json" }).$type<BotProbation | null>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    startedAt: integer("started_at"),
    stoppedAt: integer("stopped_at"),
  },
  (t) => [index("bots_key").on(t.keyId)],
);

/**
 * pending: journalled, about to be sent. sent: the exchange accepted it (state not yet read).
 * unknown: the send's outcome is unknown — look it up by client order id, never resend.
 */
export const BOT_ORDER_STATUSES = ["pending", "sent", "open", "partially_filled", "filled", "cancelled", "rejected", "unknown"] as const;
export type BotOrderStatus = (typeof BOT_ORDER_STATUSES)[number];

/** The order journal: a row is written BEFORE the order is sent and updated after. */
export const botOrders = sqliteTable(
  "bot_orders",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    botId: text("bot_id")
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    /** The market the order trades (a bot over several markets has one journal per market; rows from before migration 0016: the bot's symbol). */
    symbol: text("symbol").notNull().default(""),
    /** clientOrderId(botId, barTime, intent), with the market for a bot over several markets: the same decision always has the same id. */
    clientOrderId: text("client_order_id").notNull(),
    barTime: integer("bar_time").notNull(),
    intent: text("intent").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    type: text("type", { enum: ["market", "limit"] }).notNull(),
    amount: real("amount").notNull(),
    price: real("price"),
    status: text("status", { enum: BOT_ORDER_STATUSES }).notNull(),
    exchangeOrderId: text("exchange_order_id"),
    filledQty: real("filled_qty").notNull().default(0),
    avgPrice: real("avg_price"),
    fee: real("fee").notNull().default(0),
    feeCurrency: text("fee_currency"),
    /** Why it was rejected or cancelled, or what is uncertain; never a credential. */
    message: text("message"),
    /** An amendment: the client order id of the order this one replaces (same side and amount, a new price). An amendment that kept the exchange order (OKX, Bybit) records that order's exchange id, the same as the replaced row's, at journal time. */
    replaces: text("replaces"),
    /** How the amendment reached the exchange: "edit" (one request, ccxt editOrder) or "cancel-replace" (a cancel, then a new order). */
    amendMode: text("amend_mode", { enum: ["edit", "cancel-replace"] }),
    /** Cancel-replace only: ms between the cancel's acknowledgement and the new order's, the time the bot held no order. */
    gapMs: integer("gap_ms"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
    updatedAt: integer("updated_at").notNull(),
    closedAt: integer("closed_at"),
  },
  (t) => [uniqueIndex("bot_orders_client_order_id").on(t.clientOrderId), index("bot_orders_bot_status").on(t.botId, t.status), index("bot_orders_bot_created").on(t.botId, t.createdAt), index("bot_orders_bot_symbol").on(t.botId, t.symbol)],
);

/** How a candle or a fill reached a bot. */
export const DELIVERY_CHANNELS = ["stream", "poll"] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** Executions of the bot's orders, one row per exchange trade (paper: one per simulated fill). */
export const botFills = sqliteTable(
  "bot_fills",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    botId: text("bot_id")
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    /** The market of the order it fills (see bot_orders.symbol). */
    symbol: text("symbol").notNull().default(""),
    clientOrderId: text("client_order_id").notNull(),
    tradeId: text("trade_id").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    price: real("price").notNull(),
    amount: real("amount").notNull(),
    cost: real("cost").notNull(),
    fee: real("fee").notNull(),
    feeCurrency: text("fee_currency").notNull(),
    /** Exchange time of the execution. */
    time: integer("time").notNull(),
    /** The bar whose prices filled it (market orders: the bar after the decision). */
    barTime: integer("bar_time").notNull(),
    /** On fills that close (part of) a position: profit after fees. */
    realizedPnl: real("realized_pnl"),
    createdAt: integer("created_at").notNull(),
    /** What told the bot of it: the exchange's websocket ("stream") or a REST poll ("poll"). */
    channel: text("channel", { enum: DELIVERY_CHANNELS }).notNull().default("poll"),
  },
  // Trade ids are unique per market on most exchanges (Binance counts them per symbol), so per (bot, market).
  (t) => [uniqueIndex("bot_fills_trade").on(t.botId, t.symbol, t.tradeId), index("bot_fills_bot_time").on(t.botId, t.id), index("bot_fills_bot_symbol").on(t.botId, t.symbol)],
);

export const BOT_EVENT_LEVELS = ["info", "warn", "error"] as const;
export type BotEventLevel = (typeof BOT_EVENT_LEVELS)[number];

/** Append-only log of what a bot did and why. Messages never contain secrets. */
export const botEvents = sqliteTable(
  "bot_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    botId: text("bot_id")
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    time: integer("time").notNull(),
    level: text("level", { enum: BOT_EVENT_LEVELS }).notNull(),
    message: text("message").notNull(),
  },
  (t) => [index("bot_events_bot").on(t.botId, t.id)],
);

/**
 * The candles a bot was fed, as it received them: its warm-up and every closed candle it processed,
 * with when it got each. The drift report replays exactly these through the backtest engine.
 */
export const botCandles = sqliteTable(
  "bot_candles",
  {
    botId: text("bot_id")
      .notNull()
      .references(() => bots.id, { onDelete: "cascade" }),
    time: integer("time").notNull(),
    open: real("open").notNull(),
    high: real("high").notNull(),
    low: real("low").notNull(),
    close: real("close").notNull(),
    volume: real("volume").notNull(),
    /** When the bot processed it (unix ms). */
    receivedAt: integer("received_at").notNull(),
    /** Warm-up only: the indicators saw it, the bot could not act on it. */
    warmup: integer("warmup", { mode: "boolean" }).notNull(),
    /** Live: processed while catching up after downtime (followed, not traded). */
    missed: integer("missed", { mode: "boolean" }).notNull(),
    /** How it reached the bot: the exchange's websocket ("stream") or a REST poll ("poll"). */
    channel: text("channel", { enum: DELIVERY_CHANNELS }).notNull().default("poll"),
  },
  (t) => [uniqueIndex("bot_candles_bot_time").on(t.botId, t.time)],
);

export type BotRow = typeof bots.$inferSelect;
export type BotOrderRow = typeof botOrders.$inferSelect;
export type BotFillRow = typeof botFills.$inferSelect;
export type BotEventRow = typeof botEvents.$inferSelect;
export type BotCandleRow = typeof botCandles.$inferSelect;
