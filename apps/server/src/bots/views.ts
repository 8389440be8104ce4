// What the API says about bots: never a secret (bots hold none; keys are referenced by id and label).
import { positionBudget, type FlowGraph, type Market, type Trade } from "@keyflow/core";
import type { AfterDowntime, Bot, BotBook, BotEvent, BotFill, BotHealth, BotMode, BotOrder, BotRiskLimits, BotStatus, DeliveryChannel, KeyflowDb } from "@keyflow/db";
import { botState, type BotState } from "./health";
import { roundTrips } from "./ledger";
import { probationView, type ProbationView } from "./probation";

export interface BotView {
  id: string;
  name: string;
  strategyId: string | null;
  strategyVersion: number | null;
  specHash: string;
  market: Market;
  mode: BotMode;
  keyId: string | null;
  /** A live bot on a testnet / demo key: its orders go to the exchange's test environment. */
  testnet: boolean;
  keyLabel: string | null;
  risk: BotRiskLimits;
  afterDowntime: AfterDowntime;
  status: BotStatus;
  /** The one state to show (never green while degraded or halted) and why, in plain words. */
  state: BotState;
  stateReason: string | null;
  haltReason: string | null;
  /** A daily-loss halt ends at this time; null otherwise. */
  haltedUntil: number | null;
  /** A process is running this bot right now (holds its lease). */
  active: boolean;
  /** While it runs: whether candles and order updates reach it by the exchange's stream or by polling, and the REST requests per minute it spends. */
  delivery: NonNullable<BotHealth["delivery"]> | null;
  warmupBars: number;
  startBarTime: number | null;
  lastBarTime: number | null;
  /** A live bot's start-small cap, its progress and live results; null when it trades full size from the start. */
  probation: ProbationView | null;
  /** `dust`: below this the holding cannot be sold (the market's smallest amount): the bot is flat. */
  position: { qty: number; dust: number; avgEntryPrice: number; entryTime: number | null; markPrice: number | null; markTime: number | null; value: number };
  pnl: { realized: number; unrealized: number; total: number; fees: number; returnPct: number };
  initialCash: number;
  cash: number;
  equity: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  stoppedAt: number | null;
}

export interface BotDetail extends BotView {
  flow: FlowGraph;
  /** Newest first. */
  orders: BotOrder[];
  /** Newest first. */
  fills: BotFill[];
  /** Closed round trips, oldest first (by exit), shaped like a backtest's trades. */
  trades: Trade[];
  /** A bot over several markets: each market's round trips and position (null for a one-market bot). */
  markets: { symbol: string; trades: Trade[]; position: NonNullable<BotBook["group"]>["markets"][number] | null }[] | null;
  /** Newest last. */
  events: BotEvent[];
  /** The last candles it acted on, newest first, with the channel that delivered each. */
  recentCandles: { time: number; channel: DeliveryChannel; receivedAt: number }[];
}

/** What `bots.events` streams (SSE). */
export type BotStreamEvent =
  | { type: "bot"; bot: BotView }
  | { type: "order"; botId: string; order: BotOrder }
  | { type: "fill"; botId: string; fill: BotFill }
  | { type: "log"; botId: string; event: BotEvent };

function stateOf(b: Bot, now: number): { state: BotState; stateReason: string | null } {
  const { state, reason } = botState(b, now);
  return { state, stateReason: reason };
}

export function toBotView(db: KeyflowDb, b: Bot, now = Date.now()): BotView {
  const book = b.book;
  const mark = book.markPrice ?? book.avgEntryPrice;
  // A bot over several markets holds its positions in `book.group`.
  const value = book.qty * mark + (book.group?.positionsValue ?? 0);
  const equity = book.cash + value;
  const initialCash = b.flow.settings.initialCash;
  const unrealized = (book.qty > 0 ? book.qty * mark - book.costBasis : 0) + (book.group ? book.group.positionsValue - book.group.positionsCost : 0);
  const key = b.keyId ? db.keys.get(b.keyId) : undefined;
  const keyLabel = key?.label ?? null;
  return {
    id: b.id,
    name: b.name,
    strategyId: b.strategyId,
    strategyVersion: b.strategyVersion,
    specHash: b.specHash,
    market: { exchange: b.exchange, symbol: b.symbol, timeframe: b.timeframe },
    mode: b.mode,
    keyId: b.keyId,
    keyLabel,
    testnet: b.mode === "live" && key?.testnet === true,
    risk: b.risk,
    afterDowntime: b.afterDowntime,
    status: b.status,
    ...stateOf(b, now),
    haltReason: b.haltReason,
    haltedUntil: b.haltedUntil,
    active: b.lease !== null && b.lease.until > now,
    delivery: b.lease !== null && b.lease.until > now ? (b.health?.delivery ?? null) : null,
    warmupBars: b.warmupBars,
    startBarTime: b.startBarTime,
    lastBarTime: b.lastBarTime,
    probation: probationView(db, b, now),
    position: { qty: book.qty, dust: book.dust ?? 0, avgEntryPrice: book.avgEntryPrice, entryTime: book.entryTime, markPrice: book.markPrice, markTime: book.markTime, value },
    pnl: { realized: book.realizedPnl, unrealized, total: equity - initialCash, fees: book.fees, returnPct: ((equity - initialCash) / initialCash) * 100 },
    initialCash,
    cash: book.cash,
    equity,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    startedAt: b.startedAt,
    stoppedAt: b.stoppedAt,
  };
}

/** A bot's closed round trips, per market for a bot over several markets (null markets for a one-market bot). */
export function botTrades(b: Pick<Bot, "symbol" | "mode" | "book" | "flow">, orders: readonly BotOrder[], fills: readonly BotFill[]): { trades: Trade[]; markets: { symbol: string; trades: Trade[] }[] | null } {
  const intents = new Map(orders.map((o) => [o.clientOrderId, o.intent]));
  const dust = b.mode === "paper" ? 0 : (b.book.dust ?? 0);
  const symbols = b.flow.portfolio?.symbols;
  if (!symbols) return { trades: roundTrips(fills, assetsOfSymbol(b.symbol), (cid) => intents.get(cid), dust), markets: null };
  // Each market's fills are its journal's (a paper group's intents also carry the market: "ETH/USDT entry").
  const markets = symbols.map((symbol) => {
    const own = b.book.group?.markets.find((m) => m.symbol === symbol)?.book?.dust ?? dust;
    const intentOf = (cid: string) => {
      const intent = intents.get(cid);
      return intent?.startsWith(`${symbol} `) ? intent.slice(symbol.length + 1) : intent;
    };
    return { symbol, trades: roundTrips(fills.filter((f) => f.symbol === symbol), assetsOfSymbol(symbol), intentOf, own) };
  });
  return { trades: markets.flatMap((m) => m.trades).sort((x, y) => x.exitTime - y.exitTime || x.entryTime - y.entryTime), markets };
}

export function toBotDetail(db: KeyflowDb, b: Bot): BotDetail {
  const all = db.bots.allOrders(b.id);
  const fills = db.bots.fills(b.id);
  const { trades, markets } = botTrades(b, all, fills);
  return {
    ...toBotView(db, b),
    flow: b.flow,
    orders: all.slice(-200).reverse(),
    fills: fills.slice(-200).reverse(),
    trades,
    markets: markets?.map((m) => ({ ...m, position: b.book.group?.markets.find((x) => x.symbol === m.symbol) ?? null })) ?? null,
    events: db.bots.recentEvents(b.id, 200),
    recentCandles: db.bots.recentCandles(b.id, 12).map((c) => ({ time: c.time, channel: c.channel, receivedAt: c.receivedAt })),
  };
}

/** The positions a bot holds above dust: its one market's, or each of a group's markets'. */
export function heldPositions(b: Pick<Bot, "symbol" | "book">): { symbol: string; qty: number }[] {
  const { book } = b;
  if (book.group) return book.group.markets.filter((m) => m.qty > (m.book?.dust ?? 0)).map((m) => ({ symbol: m.symbol, qty: m.qty }));
  return book.qty > (book.dust ?? 0) ? [{ symbol: b.symbol, qty: book.qty }] : [];
}

/** What a probation cap is a fraction of: the budget, or a group's budget per position (each entry's stake). */
export function probationBase(flow: Pick<FlowGraph, "settings" | "portfolio">): number {
  return flow.portfolio ? positionBudget(flow.settings.initialCash, flow.portfolio) : flow.settings.initialCash;
}

/** "BTC/USDT" → BTC, USDT (the unified symbol's own parts; ":USDT" settle suffixes dropped). */
export function assetsOfSymbol(symbol: string): { base: string; quote: string } {
  const [base = symbol, rest = ""] = symbol.split("/");
  return { base, quote: rest.split(":")[0] ?? rest };
}
