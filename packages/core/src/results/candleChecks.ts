import type { Candles } from "../data/candles";

/**
 * A 16-bit check value per candle (time and the five prices/volume, exact bits), as 4 hex digits each.
 * A result bundle carries them instead of the candles, so whoever verifies it can say at which
 * candle their data first differs; the range's content hash is what says whether it differs at all.
 */
export function candleChecks(c: Candles): string {
  const f = new Float64Array(6);
  const w = new Uint32Array(f.buffer);
  const cols = [c.time, c.open, c.high, c.low, c.close, c.volume];
  // ASCII hex digits written straight into bytes: building a string per candle costs 20× the hashing.
  const out = new Uint8Array(c.length * 4);
  for (let i = 0; i < c.length; i++) {
    for (let k = 0; k < 6; k++) f[k] = cols[k]![i]!;
    // FNV-1a over the 12 words, folded to 16 bits.
    let h = 0x811c9dc5;
    for (let k = 0; k < 12; k++) h = Math.imul(h ^ w[k]!, 0x01000193);
    const v = ((h >>> 16) ^ h) & 0xffff;
    for (let d = 0; d < 4; d++) out[i * 4 + d] = HEX[(v >>> (12 - 4 * d)) & 0xf]!;
  }
  return new TextDecoder().decode(out);
}

const HEX = new TextEncoder().encode("0123456789abcdef");

/** Index of the first candle whose check differs (or that one side lacks); -1 when none does. */
export function firstDifferingCheck(a: string, b: string): number {
  const n = Math.min(a.length, b.length) / 4;
  for (let i = 0; i < n; i++) if (a.slice(i * 4, i * 4 + 4) !== b.slice(i * 4, i * 4 + 4)) return i;
  return a.length === b.length ? -1 : n;
}
