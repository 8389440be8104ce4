import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync } from "node:zlib";
import { packResults, RESULT_COLUMNS_VERSION, unpackResults, type RunResults } from "@keyflow/core";

/**
 * A stored run's trades and chart: byte 0 the column layout's version (packResults in
 * @keyflow/core), then the packed columns compressed with brotli.
 */
export const RESULT_CODEC_VERSION = RESULT_COLUMNS_VERSION;

/** Brotli quality 3: a year of 1m in ~3 ms, 3 % larger than quality 5 (~23 ms) and 6 % smaller than deflate. */
const BROTLI_QUALITY = 3;

export type { RunResults };

export function encodeResults(results: RunResults, feeRate: number): Buffer {
  const body = packResults(results, feeRate);
  const out = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  return Buffer.concat([Uint8Array.of(RESULT_CODEC_VERSION), out]);
}

/** The packed columns of a stored blob (uncompressed). */
export function resultColumns(blob: Uint8Array): Uint8Array {
  if (blob[0] !== RESULT_CODEC_VERSION) throw new Error(`Stored results use codec version ${blob[0]}; this Keyflow reads version ${RESULT_CODEC_VERSION}. Update Keyflow.`);
  return brotliDecompressSync(blob.subarray(1));
}

export function decodeResults(blob: Uint8Array): RunResults {
  return unpackResults(resultColumns(blob));
}

/**
 * The packed columns for a browser: byte 0 the version, then deflate-raw (which browsers inflate
 * with DecompressionStream; brotli they only undo for whole HTTP responses).
 */
export function resultsForBrowser(columns: Uint8Array): Buffer {
  // Level 1: a year of 1m in ~9 ms, 3 % larger than level 6 (~32 ms, on the server's event loop).
  return Buffer.concat([Uint8Array.of(RESULT_CODEC_VERSION), deflateRawSync(columns, { level: 1 })]);
}
