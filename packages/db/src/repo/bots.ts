import { and, asc, count, desc, eq, gt, gte, inArray, ne } from "drizzle-orm";
import {
  botCandles,
  botEvents,
  botFills,
  botOrders,
  bots,
  type BotBook,
  type BotCandleRow,
  type BotEventLevel,
  type BotEventRow,
  type BotFillRow,
  type BotLease,
  type BotOrderRow,
  type BotOrderStatus,
  type BotRow,
} from "../schema";
import type { RepoContext } from "./context";

export type Bot = BotRow;
export type BotOrder = BotOrderRow;
export type BotFill = BotFillRow;
export type BotEvent = BotEventRow;

export type NewBot = Omit<BotRow, "createdAt" | "updatedAt" | "lease" | "startedAt" | "stoppedAt" | "lastBarTime" | "startBarTime" | "haltReason" | "haltedUntil" | "health" | "closeRequestedAt">;
export type BotPatch = Partial<Omit<BotRow, "id" | "createdAt" | "updatedAt">>;
export type NewBotOrder = Omit<BotOrderRow, "id" | "createdAt" | "updatedAt" | "sentAt" | "closedAt" | "exchangeOrderId" | "filledQty" | "avgPrice" | "fee" | "feeCurrency" | "message" | "replaces" | "amendMode" | "gapMs"> &
  Partial<Pick<BotOrderRow, "exchangeOrderId" | "filledQty" | "avgPrice" | "fee" | "feeCurrency" | "message" | "sentAt" | "closedAt" | "replaces" | "amendMode" | "gapMs">>;
export type BotOrderPatch = Partial<Omit<BotOrderRow, "id" | "botId" | "clientOrderId" | "createdAt">>;
export type NewBotFill = Omit<BotFillRow, "id" | "createdAt" | "channel"> & Partial<Pick<BotFillRow, "channel">>;
/** A candle as a bot received it; the channel defaults to a REST poll. */
export type NewBotCandle = Omit<BotCandleRow, "channel"> & Partial<Pick<BotCandleRow, "channel">>;

/** Orders that may still change on the exchange (or whose fate we have not learnt yet). */
export const ACTIVE_ORDER_STATUSES: readonly BotOrderStatus[] = ["pending", "sent", "open", "partially_filled", "unknown"];

export function botRepo(ctx: RepoContext) {
  const { db, sqlite, now } = ctx;

  // ---- bots

  function create(input: NewBot): Bot {
    const t = now();
    return db
      .insert(bots)
      .values({ ...input, lease: null, createdAt: t, updatedAt: t })
      .returning()
      .get();
  }

  function get(id: string): Bot | undefined {
    return db.select().from(bots).where(eq(bots.id, id)).get();
  }

  /** Only the bot's status (what a runner checks before every send), without reading the whole row. */
  function status(id: string): Bot["status"] | undefined {
    return db.select({ status: bots.status }).from(bots).where(eq(bots.id, id)).get()?.status;
  }

  function list(): Bot[] {
    return db.select().from(bots).orderBy(desc(bots.createdAt)).all();
  }

  function update(id: string, patch: BotPatch): Bot | undefined {
    return db
      .update(bots)
      .set({ ...patch, updatedAt: now() })
      .where(eq(bots.id, id))
      .returning()
      .get();
  }

  /** Bots (any mode) that reference the key. */
  function usingKey(keyId: string): Bot[] {
    return db.select().from(bots).where(eq(bots.keyId, keyId)).all();
  }

  /** Live bots that are not stopped and use the key: deleting it would strand them. */
  function liveUsingKey(keyId: string): Bot[] {
    return db
      .select()
      .from(bots)
      .where(and(eq(bots.keyId, keyId), eq(bots.mode, "live"), ne(bots.status, "stopped")))
      .all();
  }

  /**
   * Takes the bot's lease when nobody holds it, it has expired, or `stale(lease)` says its holder is
   * gone (a killed process). One transaction, so two processes cannot both win.
   */
  const acquireLease = sqlite.transaction((id: string, lease: BotLease, stale: (held: BotLease) => boolean): { ok: true } | { ok: false; holder: BotLease } => {
    const bot = get(id);
    if (!bot) throw new Error(`No bot ${id}`);
    const held = bot.lease;
    if (held && held.token !== lease.token && held.until > now() && !stale(held)) return { ok: false, holder: held };
    db.update(bots).set({ lease }).where(eq(bots.id, id)).run();
    return { ok: true };
  });

  /** Extends our lease; false when another process took it (then we must stop at once). */
  const renewLease = sqlite.transaction((id: string, token: string, until: number): boolean => {
    const bot = get(id);
    if (!bot?.lease || bot.lease.token !== token) return false;
    db.update(bots).set({ lease: { ...bot.lease, until } }).where(eq(bots.id, id)).run();
    return true;
  });

  const releaseLease = sqlite.transaction((id: string, token: string): void => {
    const bot = get(id);
    if (bot?.lease?.token === token) db.update(bots).set({ lease: null }).where(eq(bots.id, id)).run();
  });

  /** Marks a bar processed together with the book it produced. */
  function commitBar(id: string, lastBarTime: number, book: BotBook): void {
    db.update(bots).set({ lastBarTime, book, updatedAt: now() }).where(eq(bots.id, id)).run();
  }

  function updatedSince(t: number, botId?: string): Bot[] {
    const where = botId ? and(eq(bots.id, botId), gte(bots.updatedAt, t)) : gte(bots.updatedAt, t);
    return db.select().from(bots).where(where).all();
  }

  // ---- order journal

  /** Writes a journal row; when the client order id exists already, returns that row untouched. */
  function journal(order: NewBotOrder): { order: BotOrder; created: boolean } {
    const t = now();
    const inserted = db
      .insert(botOrders)
      .values({ ...order, createdAt: t, updatedAt: t })
      .onConflictDoNothing({ target: botOrders.clientOrderId })
      .returning()
      .get();
    if (inserted) return { order: inserted, created: true };
    return { order: getOrder(order.clientOrderId)!, created: false };
  }

  function getOrder(clientOrderId: string): BotOrder | undefined {
    return db.select().from(botOrders).where(eq(botOrders.clientOrderId, clientOrderId)).get();
  }

  function updateOrder(clientOrderId: string, patch: BotOrderPatch): BotOrder | undefined {
    return db
      .update(botOrders)
      .set({ ...patch, updatedAt: now() })
      .where(eq(botOrders.clientOrderId, clientOrderId))
      .returning()
      .get();
  }

  /** The bot's rows, or one market's (a bot over several markets keeps one journal per market). */
  const ofOrders = (botId: string, symbol?: string) => (symbol === undefined ? eq(botOrders.botId, botId) : and(eq(botOrders.botId, botId), eq(botOrders.symbol, symbol)));
  const ofFills = (botId: string, symbol?: string) => (symbol === undefined ? eq(botFills.botId, botId) : and(eq(botFills.botId, botId), eq(botFills.symbol, symbol)));

  function activeOrders(botId: string, symbol?: string): BotOrder[] {
    return db
      .select()
      .from(botOrders)
      .where(and(ofOrders(botId, symbol), inArray(botOrders.status, [...ACTIVE_ORDER_STATUSES])))
      .orderBy(asc(botOrders.id))
      .all();
  }

  /** Newest first. */
  function orders(botId: string, limit = 100): BotOrder[] {
    return db.select().from(botOrders).where(eq(botOrders.botId, botId)).orderBy(desc(botOrders.id)).limit(limit).all();
  }

  function allOrders(botId: string, symbol?: string): BotOrder[] {
    return db.select().from(botOrders).where(ofOrders(botId, symbol)).orderBy(asc(botOrders.id)).all();
  }

  /** Orders journalled since `t` (for the orders-per-hour limit); rejected ones count too. */
  function countOrdersSince(botId: string, t: number): number {
    return db.select({ n: count() }).from(botOrders).where(and(eq(botOrders.botId, botId), gte(botOrders.createdAt, t))).get()?.n ?? 0;
  }

  function ordersUpdatedSince(t: number, botId?: string): BotOrder[] {
    const where = botId ? and(eq(botOrders.botId, botId), gte(botOrders.updatedAt, t)) : gte(botOrders.updatedAt, t);
    return db.select().from(botOrders).where(where).orderBy(asc(botOrders.id)).all();
  }

  // ---- fills

  /** Records an execution once; false when it was recorded already. */
  function recordFill(fill: NewBotFill): boolean {
    const r = db
      .insert(botFills)
      .values({ ...fill, createdAt: now() })
      .onConflictDoNothing({ target: [botFills.botId, botFills.symbol, botFills.tradeId] })
      .run();
    return r.changes > 0;
  }

  /** Oldest first. */
  function fills(botId: string, symbol?: string): BotFill[] {
    return db.select().from(botFills).where(ofFills(botId, symbol)).orderBy(asc(botFills.id)).all();
  }

  function fillsForOrder(clientOrderId: string): BotFill[] {
    return db.select().from(botFills).where(eq(botFills.clientOrderId, clientOrderId)).orderBy(asc(botFills.id)).all();
  }

  function fillsAfter(id: number, botId?: string): BotFill[] {
    const where = botId ? and(eq(botFills.botId, botId), gt(botFills.id, id)) : gt(botFills.id, id);
    return db.select().from(botFills).where(where).orderBy(asc(botFills.id)).all();
  }

  // ---- candles the bot received (for the drift report)

  /** Records candles as the bot received them; a candle already recorded keeps its first record. */
  const recordCandles = sqlite.transaction((rows: NewBotCandle[]): void => {
    for (const r of rows) db.insert(botCandles).values(r).onConflictDoNothing({ target: [botCandles.botId, botCandles.time] }).run();
  });

  /** Oldest first. */
  function candles(botId: string): BotCandleRow[] {
    return db.select().from(botCandles).where(eq(botCandles.botId, botId)).orderBy(asc(botCandles.time)).all();
  }

  /** The last `n` candles it acted on (warm-up excluded), newest first. */
  function recentCandles(botId: string, n: number): BotCandleRow[] {
    return db
      .select()
      .from(botCandles)
      .where(and(eq(botCandles.botId, botId), eq(botCandles.warmup, false)))
      .orderBy(desc(botCandles.time))
      .limit(n)
      .all();
  }

  // ---- event log

  function log(botId: string, level: BotEventLevel, message: string): BotEvent {
    return db.insert(botEvents).values({ botId, level, message, time: now() }).returning().get();
  }

  /** Events after `afterId`, oldest first. */
  function eventsAfter(afterId: number, botId?: string, limit = 500): BotEvent[] {
    const where = botId ? and(eq(botEvents.botId, botId), gt(botEvents.id, afterId)) : gt(botEvents.id, afterId);
    return db.select().from(botEvents).where(where).orderBy(asc(botEvents.id)).limit(limit).all();
  }

  /** The newest `limit` events, oldest first. */
  function recentEvents(botId: string | undefined, limit = 100): BotEvent[] {
    const q = db.select().from(botEvents);
    const rows = (botId ? q.where(eq(botEvents.botId, botId)) : q).orderBy(desc(botEvents.id)).limit(limit).all();
    return rows.reverse();
  }

  function lastEventId(): number {
    return db.select({ id: botEvents.id }).from(botEvents).orderBy(desc(botEvents.id)).limit(1).get()?.id ?? 0;
  }

  function lastFillId(): number {
    return db.select({ id: botFills.id }).from(botFills).orderBy(desc(botFills.id)).limit(1).get()?.id ?? 0;
  }

  function remove(id: string): boolean {
    return db.delete(bots).where(eq(bots.id, id)).run().changes > 0;
  }

  return {
    create,
    get,
    status,
    list,
    update,
    usingKey,
    liveUsingKey,
    acquireLease,
    renewLease,
    releaseLease,
    commitBar,
    updatedSince,
    journal,
    getOrder,
    updateOrder,
    activeOrders,
    orders,
    allOrders,
    countOrdersSince,
    ordersUpdatedSince,
    recordFill,
    fills,
    fillsForOrder,
    recordCandles,
    recentCandles,
    candles,
    fillsAfter,
    log,
    eventsAfter,
    recentEvents,
    lastEventId,
    lastFillId,
    remove,
  };
}

export type BotRepo = ReturnType<typeof botRepo>;
