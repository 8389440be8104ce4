// bots.events: the database is the source of truth (a bot may run in another process, e.g.
// `keyflow bots run`), so the stream follows its rows; in-process runners wake it at once.
import type { BotOrder, KeyflowDb } from "@keyflow/db";
import { toBotView, type BotStreamEvent } from "./views";

/** Wakes waiting streams when a bot's rows changed in this process. */
export class BotNotifier {
  private readonly waiters = new Set<() => void>();

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves on the next notify, after timeoutMs, or when the signal aborts. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}

const orderSignature = (o: BotOrder) => `${o.status}|${o.filledQty}|${o.updatedAt}|${o.exchangeOrderId ?? ""}`;

export interface StreamOptions {
  botId?: string | undefined;
  /** Log lines sent first (newest, oldest first). */
  backlog?: number;
  /** Fallback poll for changes made by other processes. */
  pollMs?: number;
}

/**
 * The bot stream: first the bot(s) as they are and the recent log, then every change — bot state
 * (status, position, PnL), orders (new or changed), fills and log lines — as it happens.
 */
export async function* botStream(db: KeyflowDb, notifier: BotNotifier, opts: StreamOptions, signal?: AbortSignal): AsyncGenerator<BotStreamEvent> {
  const { botId } = opts;
  const sentBots = new Map<string, string>();
  const sentOrders = new Map<number, string>();
  let botCursor = 0;
  let orderCursor = Date.now();
  let fillCursor = db.bots.lastFillId();
  let eventCursor = 0;

  const initial = botId ? [db.bots.get(botId)].filter((b) => b !== undefined) : db.bots.list();
  for (const b of initial) {
    const view = toBotView(db, b);
    sentBots.set(b.id, JSON.stringify(view));
    botCursor = Math.max(botCursor, b.updatedAt);
    yield { type: "bot", bot: view };
  }
  // Read before the backlog: a line written in between is then in the backlog or after the cursor.
  const latest = db.bots.lastEventId();
  for (const e of db.bots.recentEvents(botId, opts.backlog ?? 100)) {
    eventCursor = Math.max(eventCursor, e.id);
    yield { type: "log", botId: e.botId, event: e };
  }
  eventCursor = Math.max(eventCursor, latest);

  while (!signal?.aborted) {
    await notifier.wait(opts.pollMs ?? 1000, signal);
    if (signal?.aborted) return;
    const now = Date.now();
    // Rows updated within the same millisecond as the cursor are looked at again; signatures drop repeats.
    for (const b of db.bots.updatedSince(botCursor - 1, botId)) {
      botCursor = Math.max(botCursor, b.updatedAt);
      const view = toBotView(db, b, now);
      const json = JSON.stringify(view);
      if (sentBots.get(b.id) === json) continue;
      sentBots.set(b.id, json);
      yield { type: "bot", bot: view };
    }
    for (const o of db.bots.ordersUpdatedSince(orderCursor - 1, botId)) {
      orderCursor = Math.max(orderCursor, o.updatedAt);
      const sig = orderSignature(o);
      if (sentOrders.get(o.id) === sig) continue;
      sentOrders.set(o.id, sig);
      yield { type: "order", botId: o.botId, order: o };
    }
    for (const f of db.bots.fillsAfter(fillCursor, botId)) {
      fillCursor = f.id;
      yield { type: "fill", botId: f.botId, fill: f };
    }
    for (;;) {
      const events = db.bots.eventsAfter(eventCursor, botId, 500);
      for (const e of events) {
        eventCursor = e.id;
        yield { type: "log", botId: e.botId, event: e };
      }
      if (events.length < 500) break;
    }
  }
}
