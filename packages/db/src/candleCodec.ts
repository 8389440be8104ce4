import type { Candles } from "@keyflow/core";
import { f64Bytes, readF64Into } from "./columnBytes";

/** Candles per chunk at most; a chunk spans CHUNK_CANDLES × timeframe of time, aligned to multiples of that. */
export const CHUNK_CANDLES = 8192;
const FIELDS = ["time", "open", "high", "low", "close", "volume"] as const;
export const BYTES_PER_CANDLE = FIELDS.length * 8;

export function chunkSpan(timeframeMs: number): number {
  return CHUNK_CANDLES * timeframeMs;
}

export function chunkStartOf(time: number, span: number): number {
  return Math.floor(time / span) * span;
}

/** Candles whose six columns are views into one ArrayBuffer (one transfer to a worker moves them all). */
export function allocPackedCandles(n: number): Candles {
  const buffer = new ArrayBuffer(n * BYTES_PER_CANDLE);
  const col = (i: number) => new Float64Array(buffer, i * n * 8, n);
  return { length: n, time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}

/** Six Float64 columns back to back, little-endian (the byte order of every platform Node runs on). */
export function encodeChunk(c: Candles, from: number, to: number): Buffer {
  const n = to - from;
  const out = Buffer.allocUnsafe(n * BYTES_PER_CANDLE);
  FIELDS.forEach((f, i) => out.set(f64Bytes(c[f].subarray(from, to)), i * n * 8));
  return out;
}

/** Copies a chunk's columns into `into` at row `at`. */
export function decodeChunkInto(data: Uint8Array, count: number, into: Candles, at: number): void {
  if (data.byteLength !== count * BYTES_PER_CANDLE) throw new Error(`Corrupt candle chunk: ${data.byteLength} bytes for ${count} candles`);
  FIELDS.forEach((f, i) => readF64Into(data, i * count * 8, count, into[f], at));
}

export function decodeChunk(data: Uint8Array, count: number): Candles {
  const c = allocPackedCandles(count);
  decodeChunkInto(data, count, c, 0);
  return c;
}

/**
 * Merges two ascending runs of candles; on equal times `incoming` wins (a re-download corrects a
 * stored candle). Returns the merged candles and how many times were new.
 */
export function mergeCandles(existing: Candles, incoming: Candles, inFrom: number, inTo: number): { merged: Candles; added: number } {
  const out = allocPackedCandles(existing.length + (inTo - inFrom));
  let i = 0;
  let j = inFrom;
  let k = 0;
  let added = 0;
  const put = (src: Candles, s: number) => {
    out.time[k] = src.time[s]!;
    out.open[k] = src.open[s]!;
    out.high[k] = src.high[s]!;
    out.low[k] = src.low[s]!;
    out.close[k] = src.close[s]!;
    out.volume[k] = src.volume[s]!;
    k++;
  };
  while (i < existing.length || j < inTo) {
    if (j >= inTo) put(existing, i++);
    else if (i >= existing.length) {
      put(incoming, j++);
      added++;
    } else {
      const te = existing.time[i]!;
      const tn = incoming.time[j]!;
      if (te < tn) put(existing, i++);
      else if (tn < te) {
        put(incoming, j++);
        added++;
      } else {
        put(incoming, j++);
        i++;
      }
    }
  }
  const merged = k === out.length ? out : sliceTo(out, k);
  return { merged, added };
}

function sliceTo(c: Candles, n: number): Candles {
  return {
    length: n,
    time: c.time.subarray(0, n),
    open: c.open.subarray(0, n),
    high: c.high.subarray(0, n),
    low: c.low.subarray(0, n),
    close: c.close.subarray(0, n),
    volume: c.volume.subarray(0, n),
  };
}
