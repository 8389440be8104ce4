import { exitReasonSchema, type Trade } from "../engine/result";
import type { BacktestChart, ChartLine } from "./chart";

/**
 * A finished run's trades and chart as Float64 columns, uncompressed (the server stores them
 * compressed and sends them compressed; the web unpacks them with this same code):
 *
 *   u32 LE header length · header JSON ({ meta, cols: [{ n, scale }] }) · each column's doubles,
 *   little-endian and "shuffled": all first bytes, then all second bytes, … so that the slowly
 *   changing exponent bytes sit together and compress well.
 *
 * A column whose every value is a decimal with at most 8 places (times, prices in cents, volumes)
 * is stored as integers of that many places, each the difference from the previous one; any other
 * column is kept bit for bit (NaN, -0, ±Infinity included). Unpacking gives back exactly what was packed.
 */
export const RESULT_COLUMNS_VERSION = 1;

/** What a finished run keeps besides its metrics. */
export interface RunResults {
  trades: Trade[];
  chart: BacktestChart;
}

interface Header {
  meta: Meta;
  /** `scale`: decimal places of a column stored as integer differences; null: raw doubles. */
  cols: { n: number; scale: number | null }[];
}

type IndicatorMeta = Omit<BacktestChart["indicators"][number], keyof ChartLine>;
interface Meta {
  feeRate: number;
  bucketMs: number;
  indicators: IndicatorMeta[];
}

const MAX_PLACES = 8;
/** Integers this large keep their differences and running sums exact. */
const SAFE = 2 ** 51;

/** The fewest decimal places (0–8) that write every value exactly, or null (NaN, -0, too many places). */
function decimalPlaces(col: Float64Array): number | null {
  for (let k = 0; k <= MAX_PLACES; k++) {
    const p = 10 ** k;
    let ok = true;
    for (let j = 0; j < col.length && ok; j++) {
      const v = col[j]!;
      const m = Math.round(v * p);
      ok = Math.abs(m) <= SAFE && Object.is(m / p, v) && !Object.is(v, -0);
    }
    if (ok) return k;
  }
  return null;
}

function scaledDeltas(col: Float64Array, scale: number): Float64Array {
  const p = 10 ** scale;
  const d = new Float64Array(col.length);
  let prev = 0;
  for (let j = 0; j < col.length; j++) {
    const m = Math.round(col[j]! * p);
    d[j] = m - prev;
    prev = m;
  }
  return d;
}

/** Doubles as little-endian bytes (DataView: the same on every platform). */
function packColumns(meta: Meta, cols: Float64Array[]): Uint8Array {
  const heads = cols.map((c) => ({ n: c.length, scale: decimalPlaces(c) }));
  const header = new TextEncoder().encode(JSON.stringify({ meta, cols: heads } satisfies Header));
  const out = new Uint8Array(4 + header.length + cols.reduce((s, c) => s + c.length * 8, 0));
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = 4 + header.length;
  const one = new DataView(new ArrayBuffer(8));
  cols.forEach((col, i) => {
    const n = col.length;
    const scale = heads[i]!.scale;
    const src = scale === null ? col : scaledDeltas(col, scale);
    for (let j = 0; j < n; j++) {
      one.setFloat64(0, src[j]!, true);
      for (let b = 0; b < 8; b++) out[at + b * n + j] = one.getUint8(b);
    }
    at += n * 8;
  });
  return out;
}

function unpackColumns(bytes: Uint8Array): { meta: Meta; cols: Float64Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Header;
  let at = 4 + headerLength;
  const one = new DataView(new ArrayBuffer(8));
  const cols = header.cols.map(({ n, scale }) => {
    if (at + n * 8 > bytes.length) throw new Error("Corrupt stored results: a column runs past the end");
    const col = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      for (let b = 0; b < 8; b++) one.setUint8(b, bytes[at + b * n + j]!);
      col[j] = one.getFloat64(0, true);
    }
    at += n * 8;
    if (scale !== null) {
      for (let j = 1; j < n; j++) col[j]! += col[j - 1]!;
      const p = 10 ** scale;
      if (scale > 0) for (let j = 0; j < n; j++) col[j] = col[j]! / p;
    }
    return col;
  });
  if (at !== bytes.length) throw new Error(`Corrupt stored results: ${bytes.length - at} bytes left over`);
  return { meta: header.meta, cols };
}

const REASONS = exitReasonSchema.options;
/** Set in a trade's reason column when its pnl, fees and return follow from price, quantity and the fee rate. */
const DERIVED = 8;

/** A closed trade's money, computed in the simulated broker's order of operations. */
function money(entryPrice: number, exitPrice: number, qty: number, feeRate: number) {
  const entryFee = qty * entryPrice * feeRate;
  const cost = qty * entryPrice + entryFee;
  const value = qty * exitPrice;
  const exitFee = value * feeRate;
  const pnl = value - exitFee - cost;
  return { pnl, fees: entryFee + exitFee, returnPct: (pnl / cost) * 100 };
}

/**
 * Trades and chart as columns. `feeRate` (the run's setting) lets a trade's pnl, fees and return be
 * left out when recomputing them gives the identical doubles; any other trade keeps its own.
 */
export function packResults({ trades, chart }: RunResults, feeRate: number): Uint8Array {
  const n = trades.length;
  const col = () => new Float64Array(n);
  const [entryTime, held, entryPrice, exitPrice, qty, reason] = [col(), col(), col(), col(), col(), col()];
  const pnl: number[] = [];
  const fees: number[] = [];
  const returnPct: number[] = [];
  trades.forEach((t, i) => {
    if (t.side !== "long") throw new Error(`Cannot store a ${String(t.side)} trade`);
    entryTime[i] = t.entryTime;
    held[i] = t.exitTime - t.entryTime;
    entryPrice[i] = t.entryPrice;
    exitPrice[i] = t.exitPrice;
    qty[i] = t.qty;
    const m = money(t.entryPrice, t.exitPrice, t.qty, feeRate);
    const derived = Object.is(m.pnl, t.pnl) && Object.is(m.fees, t.fees) && Object.is(m.returnPct, t.returnPct);
    reason[i] = REASONS.indexOf(t.exitReason) | (derived ? DERIVED : 0);
    if (!derived) (pnl.push(t.pnl), fees.push(t.fees), returnPct.push(t.returnPct));
  });
  const { candles: c, equity, drawdown, indicators } = chart;
  const f = (a: readonly number[]) => Float64Array.from(a);
  const lines = [equity, drawdown, ...indicators].flatMap((l) => [f(l.time), f(l.value)]);
  const meta: Meta = { feeRate, bucketMs: c.bucketMs, indicators: indicators.map(({ nodeId, kind, port, pane }) => ({ nodeId, kind, port, pane })) };
  return packColumns(meta, [
    ...[entryTime, held, entryPrice, exitPrice, qty, reason, f(pnl), f(fees), f(returnPct)],
    ...[f(c.time), f(c.open), f(c.high), f(c.low), f(c.close), f(c.volume)],
    ...lines,
  ]);
}

export function unpackResults(bytes: Uint8Array): RunResults {
  const { meta, cols } = unpackColumns(bytes);
  const { feeRate, bucketMs, indicators } = meta;
  if (cols.length !== 19 + 2 * indicators.length) throw new Error(`Corrupt stored results: ${cols.length} columns`);
  const [entryTime, held, entryPrice, exitPrice, qty, reason, pnl, fees, returnPct] = cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const trades: Trade[] = new Array(entryTime.length);
  let k = 0;
  for (let i = 0; i < entryTime.length; i++) {
    const r = reason[i]!;
    const exitReason = REASONS[r & 7];
    if (exitReason === undefined) throw new Error(`Corrupt stored trades: exit reason ${r}`);
    const m = r & DERIVED ? money(entryPrice[i]!, exitPrice[i]!, qty[i]!, feeRate) : { pnl: pnl[k]!, fees: fees[k]!, returnPct: returnPct[k++]! };
    const t = entryTime[i]!;
    trades[i] = { side: "long", entryTime: t, entryPrice: entryPrice[i]!, exitTime: t + held[i]!, exitPrice: exitPrice[i]!, qty: qty[i]!, pnl: m.pnl, fees: m.fees, returnPct: m.returnPct, exitReason };
  }
  const a = cols.slice(9).map((c) => Array.from(c));
  const line = (i: number): ChartLine => ({ time: a[i]!, value: a[i + 1]! });
  const chart: BacktestChart = {
    candles: { bucketMs, time: a[0]!, open: a[1]!, high: a[2]!, low: a[3]!, close: a[4]!, volume: a[5]! },
    equity: line(6),
    drawdown: line(8),
    indicators: indicators.map((m, i) => ({ ...m, ...line(10 + 2 * i) })),
  };
  return { trades, chart };
}
