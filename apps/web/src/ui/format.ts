/** Formatting happens only here, at the edge: everything inside is unix ms and plain numbers. */

export function pct(v: number | null | undefined, digits = 2, signed = true): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const s = v.toFixed(digits);
  return `${signed && v > 0 ? "+" : ""}${s}%`;
}

export function num(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** An amount of the quote currency: a number with a fixed count of decimals. */
export const money = num;

export function price(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 1000 ? 2 : a >= 1 ? 3 : 6;
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const pad = (n: number) => String(n).padStart(2, "0");

/** 2024-03-05 (UTC). */
export function date(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** 14:00:05 (UTC); `seconds: false` gives 14:00. */
export function timeOfDay(ms: number, seconds = true): string {
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

/** 2024-03-05 14:00 (UTC). */
export function dateTime(ms: number): string {
  return `${date(ms)} ${timeOfDay(ms, false)}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A chart's time-axis label for a tick at `sec` (unix seconds, UTC) of a given kind, as the chart
 * library numbers them: 0 year "2024", 1 month "Feb", 2 day "5 Feb", 3 time "14:00", 4 "14:00:05".
 * A bare day number ("2") or a half-cut time is never shown.
 */
export function tickLabel(sec: number, kind: number): string {
  const d = new Date(sec * 1000);
  switch (kind) {
    case 0:
      return String(d.getUTCFullYear());
    case 1:
      return MONTHS[d.getUTCMonth()]!;
    case 2:
      return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
    case 4:
      return timeOfDay(sec * 1000, true);
    default:
      return timeOfDay(sec * 1000, false);
  }
}

/** 24-03-05 14:00: the table's short form. */
export function shortDateTime(ms: number): string {
  return dateTime(ms).slice(2);
}

/** A quantity of the base asset: up to 8 decimals, no trailing zeros. */
export function qty(q: number): string {
  return String(Number(q.toFixed(8)));
}

/** "1 bot", "3 bots". */
export function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function duration(ms: number): string {
  const m = ms / 60_000;
  if (m < 60) return `${Math.round(m)}m`;
  const h = m / 60;
  if (h < 48) return `${+h.toFixed(1)}h`;
  return `${+(h / 24).toFixed(1)}d`;
}

export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, (now - ms) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return date(ms);
}

export function signClass(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v) || v === 0) return "";
  return v > 0 ? "pos" : "neg";
}

export function compact(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** A countdown: "0:42", "12:05", "1:02:03". */
export function clock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** Bytes as a person reads them: "820 B", "14.2 KB", "3.1 MB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
