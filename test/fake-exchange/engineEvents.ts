// What changed in the matching engine since a venue's websocket side last published: candles closed
// (every interval a stream can ask for, built from the base candles as the REST candles are) and order
// events (accepted, each trade, cancelled or expired). The engine knows nothing of websockets; each
// venue's dialect frames these in its own words.
import type { MatchingEngine } from "./engine";
import { INTERVAL_MS } from "./market";
import type { Candle, FakeOrder, FakeTrade } from "./types";

export interface ClosedCandle {
  /** Engine symbol, e.g. "BTCUSDT". */
  symbol: string;
  /** "1m", "5m", … "1d" (market.ts INTERVAL_MS). */
  interval: string;
  intervalMs: number;
  candle: Candle;
}

export type OrderEvent =
  | { kind: "new"; order: FakeOrder }
  /** One trade; `status` is the order's status after it, cumulative figures include it. */
  | { kind: "trade"; order: FakeOrder; trade: FakeTrade; status: string; cumQty: number; cumQuote: number }
  | { kind: "cancel"; order: FakeOrder; status: string };

export interface EngineEvents {
  /** Candles closed since the last call, oldest first, every symbol and every interval that ends with them. */
  closedCandles(): ClosedCandle[];
  /** The candle now forming (base interval, open price only) of every symbol, when a candle closed since the last call. */
  forming(): ClosedCandle[];
  /** Order events since the last call, in the engine's order. */
  orderEvents(): OrderEvent[];
}

/** The longer-interval candle that the base candle at `index` closes (its bucket ends with it), else null. */
function bucketClosedBy(rows: readonly Candle[], index: number, baseMs: number, ms: number): Candle | null {
  const c = rows[index]!;
  if ((c[0] + baseMs) % ms !== 0) return null;
  const start = c[0] + baseMs - ms;
  const out: Candle = [start, 0, -Infinity, Infinity, 0, 0];
  let first = true;
  for (let i = index; i >= 0 && rows[i]![0] >= start; i--) {
    const r = rows[i]!;
    out[1] = r[1];
    out[2] = Math.max(out[2], r[2]);
    out[3] = Math.min(out[3], r[3]);
    if (first) out[4] = r[4];
    out[5] += r[5];
    first = false;
  }
  return out;
}

export function trackEngine(engine: MatchingEngine, baseMs: number): EngineEvents {
  let publishedClosed = engine.closed;
  let formingFor = engine.closed;
  /** What was last published per order: status and number of trades. */
  const seen = new Map<number, { status: string; trades: number }>();
  for (const o of engine.orders) seen.set(o.orderId, { status: o.status, trades: o.trades.length });

  return {
    closedCandles() {
      const out: ClosedCandle[] = [];
      for (let i = publishedClosed; i < engine.closed; i++) {
        for (const symbol of engine.symbols.keys()) {
          const rows = engine.candles[symbol];
          if (!rows?.[i]) continue;
          for (const [interval, ms] of Object.entries(INTERVAL_MS)) {
            if (ms < baseMs || ms % baseMs !== 0) continue;
            const candle = ms === baseMs ? rows[i]! : bucketClosedBy(rows, i, baseMs, ms);
            if (candle) out.push({ symbol, interval, intervalMs: ms, candle });
          }
        }
      }
      publishedClosed = engine.closed;
      return out;
    },
    forming() {
      if (engine.closed === formingFor) return [];
      formingFor = engine.closed;
      const out: ClosedCandle[] = [];
      const interval = Object.entries(INTERVAL_MS).find(([, ms]) => ms === baseMs)?.[0] ?? "1m";
      for (const symbol of engine.symbols.keys()) {
        const next = engine.candles[symbol]?.[engine.closed];
        if (next) out.push({ symbol, interval, intervalMs: baseMs, candle: [next[0], next[1], next[1], next[1], next[1], 0] });
      }
      return out;
    },
    orderEvents() {
      const out: OrderEvent[] = [];
      for (const o of engine.orders) {
        const before = seen.get(o.orderId) ?? { status: "", trades: 0 };
        if (before.status === o.status && before.trades === o.trades.length) continue;
        if (before.status === "") out.push({ kind: "new", order: o });
        let cumQty = o.trades.slice(0, before.trades).reduce((s, t) => s + t.qty, 0);
        let cumQuote = o.trades.slice(0, before.trades).reduce((s, t) => s + t.quoteQty, 0);
        for (let i = before.trades; i < o.trades.length; i++) {
          const t = o.trades[i]!;
          cumQty += t.qty;
          cumQuote += t.quoteQty;
          const last = i === o.trades.length - 1;
          const status = last && (o.status === "FILLED" || o.status === "PARTIALLY_FILLED") ? o.status : "PARTIALLY_FILLED";
          out.push({ kind: "trade", order: o, trade: t, status, cumQty, cumQuote });
        }
        if (o.status === "CANCELED" || o.status === "EXPIRED") out.push({ kind: "cancel", order: o, status: o.status });
        seen.set(o.orderId, { status: o.status, trades: o.trades.length });
      }
      return out;
    },
  };
}
