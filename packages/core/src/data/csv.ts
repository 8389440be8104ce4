import { allocCandles, sliceCandles, type Candles } from "./candles";

/** A bad line of a candle CSV: 1-based line number and what to do about it. */
export interface CsvError {
  line: number;
  message: string;
}

export type CsvParseResult = { ok: true; candles: Candles } | { ok: false; errors: CsvError[] };

export const CSV_COLUMNS = ["time", "open", "high", "low", "close", "volume"] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** Other header names people's exports use for the time column. */
const TIME_ALIASES = new Set(["time", "timestamp", "date", "datetime", "open_time", "opentime"]);
const MAX_ERRORS = 20;
/** Below this a numeric time is read as unix seconds (1e11 ms is March 1973; 1e11 s is year 5138). */
const SECONDS_BELOW = 1e11;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Parses candles from CSV text with a `time,open,high,low,close,volume` header (any column order,
 * any case). Time is unix ms, unix seconds or an ISO date (UTC unless it says otherwise).
 * Rows must be strictly ascending in time. Pure: no I/O.
 */
export function parseCandlesCsv(text: string): CsvParseResult {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = text.length;
  const errors: CsvError[] = [];

  // Header: the first non-empty line.
  let line = 0;
  let headerFields: string[] | undefined;
  while (pos < end && headerFields === undefined) {
    line++;
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = end;
    const raw = text.slice(pos, eol).trim();
    pos = eol + 1;
    if (raw !== "") headerFields = raw.split(",").map((h) => unquote(h.trim()).toLowerCase());
  }
  if (!headerFields) return fail(1, "The file is empty. Expected a header line `time,open,high,low,close,volume` followed by one candle per line.");

  const index: Record<Column, number> = { time: -1, open: -1, high: -1, low: -1, close: -1, volume: -1 };
  headerFields.forEach((name, i) => {
    const col: Column | undefined = TIME_ALIASES.has(name) ? "time" : (CSV_COLUMNS as readonly string[]).includes(name) ? (name as Column) : undefined;
    if (col && index[col] < 0) index[col] = i;
  });
  const missing = CSV_COLUMNS.filter((c) => index[c] < 0);
  if (missing.length > 0) {
    return fail(
      line,
      `The header is missing the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}. ` +
        `The first line must name the columns time,open,high,low,close,volume (any order); it reads "${headerFields.join(",")}".`,
    );
  }
  const ncols = headerFields.length;
  // Column position → output field slot (0 time, 1..5 OHLCV, -1 ignored).
  const slotOf = new Int8Array(ncols).fill(-1);
  CSV_COLUMNS.forEach((c, slot) => (slotOf[index[c]] = slot));

  // Capacity: count the remaining line breaks once (cheap) instead of growing arrays.
  let capacity = 1;
  for (let p = text.indexOf("\n", pos); p >= 0; p = text.indexOf("\n", p + 1)) capacity++;
  const out = allocCandles(capacity);
  const cols = [out.time, out.open, out.high, out.low, out.close, out.volume];
  const values = new Float64Array(6);
  let n = 0;
  let prevTime = -Infinity;
  let prevLine = 0;

  const report = (message: string): boolean => {
    errors.push({ line, message });
    return errors.length >= MAX_ERRORS;
  };

  rows: while (pos < end) {
    line++;
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = end;
    let lineEnd = eol;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    const lineStart = pos;
    pos = eol + 1;
    if (lineEnd === lineStart || isBlank(text, lineStart, lineEnd)) continue;

    let fieldStart = lineStart;
    let col = 0;
    let bad = false;
    while (true) {
      let fieldEnd = text.indexOf(",", fieldStart);
      if (fieldEnd < 0 || fieldEnd > lineEnd) fieldEnd = lineEnd;
      if (col < ncols) {
        const slot = slotOf[col]!;
        if (slot >= 0) {
          const v = slot === 0 ? parseTime(text, fieldStart, fieldEnd) : parseNumber(text, fieldStart, fieldEnd);
          if (Number.isNaN(v)) {
            const shown = text.slice(fieldStart, fieldEnd).trim();
            const what = slot === 0 ? "a time (unix milliseconds, unix seconds or an ISO date like 2024-01-31T00:00:00Z)" : "a number";
            bad = true;
            if (report(`${CSV_COLUMNS[slot]} is ${shown === "" ? "empty" : `"${shorten(shown)}"`}, expected ${what}. Fix or delete this line.`)) break rows;
          }
          values[slot] = v;
        }
      }
      col++;
      if (fieldEnd >= lineEnd) break;
      fieldStart = fieldEnd + 1;
    }
    if (col < ncols) {
      if (report(`This line has ${col} value${col === 1 ? "" : "s"} but the header has ${ncols} columns. Fill in the missing values or delete the line.`)) break;
      continue;
    }
    if (bad) continue;

    const t = values[0]!;
    const o = values[1]!;
    const h = values[2]!;
    const l = values[3]!;
    const c = values[4]!;
    const v = values[5]!;
    if (t <= prevTime) {
      const msg =
        t === prevTime
          ? `Duplicate time ${iso(t)}: line ${prevLine} has the same time. Keep only one of the two lines.`
          : `Time ${iso(t)} is earlier than ${iso(prevTime)} on line ${prevLine}; rows must be in ascending time order. Sort the file by time.`;
      if (report(msg)) break;
      continue;
    }
    if (!(h >= l)) {
      if (report(`high (${h}) is below low (${l}). Check this candle; the columns may be swapped.`)) break;
      continue;
    }
    if (o > h || o < l || c > h || c < l) {
      if (report(`open (${o}) and close (${c}) must lie between low (${l}) and high (${h}). Check this candle.`)) break;
      continue;
    }
    if (l <= 0 || v < 0) {
      if (report(l <= 0 ? `Prices must be above zero; low is ${l}.` : `volume is ${v}; it cannot be negative.`)) break;
      continue;
    }
    prevTime = t;
    prevLine = line;
    if (errors.length === 0) {
      cols[0]![n] = t;
      cols[1]![n] = o;
      cols[2]![n] = h;
      cols[3]![n] = l;
      cols[4]![n] = c;
      cols[5]![n] = v;
      n++;
    }
  }

  if (errors.length >= MAX_ERRORS && pos < end) {
    errors.push({ line, message: `Stopped after ${MAX_ERRORS} errors; fix these and try again to see the rest.` });
  }
  if (errors.length > 0) return { ok: false, errors };
  if (n === 0) return fail(line, "The file has a header but no candles. Add one candle per line below the header.");
  return { ok: true, candles: n === capacity ? out : sliceCandles(out, 0, n) };
}

function fail(line: number, message: string): CsvParseResult {
  return { ok: false, errors: [{ line, message }] };
}

function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== CR && c !== COMMA) return false;
  }
  return true;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function iso(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

/**
 * Decimal number in s[from, to). Fast path for plain `-123.456`: the digits as an integer and one
 * division by a power of ten is correctly rounded while both are exact doubles (≤ 2^53, ≤ 1e22),
 * so it equals Number(); anything else (exponents, long mantissas, quotes) goes through Number().
 */
function parseNumber(s: string, from: number, to: number): number {
  while (from < to && s.charCodeAt(from) === 32) from++;
  while (to > from && s.charCodeAt(to - 1) === 32) to--;
  if (from === to) return NaN;
  let i = from;
  let neg = false;
  const c0 = s.charCodeAt(i);
  if (c0 === 45 /* - */) {
    neg = true;
    i++;
  } else if (c0 === 43 /* + */) i++;
  let mant = 0;
  let digits = 0;
  let frac = -1;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
    } else if (c === 46 /* . */ && frac < 0) {
      frac = i;
    } else {
      return slowNumber(s, from, to);
    }
  }
  if (digits === 0) return NaN;
  const scale = frac < 0 ? 0 : to - frac - 1;
  if (mant > 9007199254740991 || scale > 22) return slowNumber(s, from, to);
  const v = scale === 0 ? mant : mant / POW10[scale]!;
  return neg ? -v : v;
}

function slowNumber(s: string, from: number, to: number): number {
  const t = unquote(s.slice(from, to).trim()).trim();
  if (t === "") return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Unix ms from a number (ms, or seconds below 1e11) or an ISO date/time, UTC unless an offset is given. */
function parseTime(s: string, from: number, to: number): number {
  const n = parseNumber(s, from, to);
  if (!Number.isNaN(n)) return n < SECONDS_BELOW ? Math.round(n * 1000) : n;
  const text = unquote(s.slice(from, to).trim());
  const m = ISO_DATE.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, hh = "0", mi = "0", ss = "0", fr = "", tz] = m;
  let t = Date.UTC(+y!, +mo! - 1, +d!, +hh, +mi, +ss, fr ? Math.round(Number(fr) * 1000) : 0);
  const check = new Date(t);
  if (check.getUTCDate() !== +d! || check.getUTCMonth() !== +mo! - 1) return NaN; // e.g. 2024-02-31
  if (tz && tz.toUpperCase() !== "Z") {
    const sign = tz[0] === "-" ? -1 : 1;
    const digits = tz.slice(1).replace(":", "");
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return t;
}

export type CsvTimeUnit = "ms" | "s" | "iso";

export interface CsvSniff {
  /** Header names as written in the file. */
  header: string[];
  /** Which header column each candle field was found in (-1: missing). */
  columns: Record<Column, number>;
  /** How the time column is written, from the first data row; null when it cannot be told. */
  timeUnit: CsvTimeUnit | null;
  /** The first data rows, split into fields, for a preview. */
  rows: string[][];
}

/** A quick look at a candle CSV before importing it: columns found, time unit, first rows. Pure. */
export function sniffCandlesCsv(text: string, maxRows = 5): CsvSniff {
  const lines: string[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos < text.length && lines.length < maxRows + 1) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = text.length;
    const line = text.slice(pos, eol).replace(/\r$/, "");
    pos = eol + 1;
    if (line.trim() !== "") lines.push(line);
  }
  const header = (lines[0] ?? "").split(",").map((h) => unquote(h.trim()));
  const columns: Record<Column, number> = { time: -1, open: -1, high: -1, low: -1, close: -1, volume: -1 };
  header.forEach((raw, i) => {
    const name = raw.toLowerCase();
    const col: Column | undefined = TIME_ALIASES.has(name) ? "time" : (CSV_COLUMNS as readonly string[]).includes(name) ? (name as Column) : undefined;
    if (col && columns[col] < 0) columns[col] = i;
  });
  const rows = lines.slice(1).map((l) => l.split(",").map((f) => unquote(f.trim())));
  let timeUnit: CsvTimeUnit | null = null;
  const first = columns.time >= 0 ? rows[0]?.[columns.time] : undefined;
  if (first !== undefined && first !== "") {
    const n = Number(first);
    if (Number.isFinite(n)) timeUnit = n < SECONDS_BELOW ? "s" : "ms";
    else if (!Number.isNaN(parseTime(first, 0, first.length))) timeUnit = "iso";
  }
  return { header, columns, timeUnit, rows };
}
