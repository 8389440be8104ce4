// A bot's order journal as CSV, to keep before the bot is deleted: one line per order, with what
// filled of it; times ISO-8601 UTC, numbers as stored.
import type { BotOrder } from "@keyflow/db";

const COLUMNS = ["created", "candle", "intent", "side", "type", "amount", "price", "status", "filled", "avgPrice", "fee", "feeCurrency", "clientOrderId", "exchangeOrderId", "message"] as const;

const cell = (v: string | number | null): string => {
  const s = v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const iso = (ms: number) => new Date(ms).toISOString();

export function journalCsv(orders: readonly BotOrder[]): string {
  const lines = orders.map((o) =>
    [iso(o.createdAt), iso(o.barTime), o.intent, o.side, o.type, o.amount, o.price, o.status, o.filledQty, o.avgPrice, o.fee, o.feeCurrency, o.clientOrderId, o.exchangeOrderId, o.message].map(cell).join(","),
  );
  return [COLUMNS.join(","), ...lines].join("\n") + "\n";
}
