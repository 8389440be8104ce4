import { createHash } from "node:crypto";
import type { Candles, DataFingerprint, Market } from "@keyflow/core";

/** The candles' six columns as bytes, in the order the content hash and a bundled copy use. */
export function candleColumns(c: Candles): Uint8Array[] {
  // Float64 in the platform's byte order: little-endian on every machine Node runs Keyflow on.
  return [c.time, c.open, c.high, c.low, c.close, c.volume].map((col) => new Uint8Array(col.buffer, col.byteOffset, col.byteLength));
}

/**
 * What pins a run to its data: the market, the range asked for, and the candles read from it
 * (first and last open time, count, SHA-256 of the columns). Hashing the decoded columns, not the
 * stored chunks, keeps it independent of how a Keyflow install packs them.
 */
export function candleFingerprint(market: Market, range: { from: number; to: number }, candles: Candles): DataFingerprint {
  const h = createHash("sha256");
  for (const bytes of candleColumns(candles)) h.update(bytes);
  return {
    exchange: market.exchange,
    symbol: market.symbol,
    timeframe: market.timeframe,
    from: range.from,
    to: range.to,
    firstTime: candles.length ? candles.time[0]! : range.from,
    lastTime: candles.length ? candles.time[candles.length - 1]! : range.from,
    count: candles.length,
    contentHash: h.digest("hex"),
  };
}
