/**
 * Float64 columns as bytes, little-endian (the byte order of every platform Node runs on). Shared
 * by the candle chunks and the stored results. Copies go byte by byte because a Buffer read from
 * SQLite need not be 8-byte aligned.
 */

/** The bytes of a Float64Array (a view, no copy). */
export function f64Bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Copies `count` doubles from `data` at byte `from` into `into` at index `at`. */
export function readF64Into(data: Uint8Array, from: number, count: number, into: Float64Array, at = 0): void {
  new Uint8Array(into.buffer, into.byteOffset + at * 8, count * 8).set(data.subarray(from, from + count * 8));
}
