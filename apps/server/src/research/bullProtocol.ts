// What the server and `keyflow worker` processes share over Redis: the queue, the job, the candles.
import { createHash } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import { gunzipSync } from "node:zlib";
import type { ComboRun, FlowGraph, MonteCarloSettings, SweepChunk, SweepParam } from "@keyflow/core";
import type { PackedCandles } from "../jobs/workerProtocol";

export const SWEEP_QUEUE = "keyflow-sweep";
/** Candles stay in Redis this long after a sweep last sent them. */
export const CANDLE_TTL_S = 7 * 86_400;

/** One BullMQ job: a chunk of a sweep and everything needed to run it but the candles (by hash). */
export interface ChunkJobData {
  /** Content hash of the sweep (flow, params, candles): chunks of one sweep share it. */
  sweep: string;
  flow: FlowGraph;
  params: SweepParam[];
  /** sha256 of the packed candles; the worker fetches them once and caches them. */
  candles: string;
  chunk: SweepChunk;
}

/** A Monte Carlo job (name "montecarlo"): a finished run's trade results, reshuffled on a worker. */
export interface MonteCarloJobData {
  initialCash: number;
  pnls: number[];
  settings: MonteCarloSettings;
}

/** Job names on the queue: a sweep chunk or a Monte Carlo. */
export type QueueJobData = ChunkJobData | MonteCarloJobData;

/** The route a worker fetches candles from on the Keyflow server (KEYFLOW_SERVER_URL). */
export const WORKER_CANDLES_PATH = "/worker/candles/";

/** redis://host:port without user or password, for messages. */
export function shownRedis(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "KEYFLOW_REDIS_URL";
  }
}

export const candleKey = (hash: string) => `keyflow:candles:${hash}`;

const COLUMNS = 6;

/** Candles packed as six contiguous Float64 columns (what packCandles gives for a copy). */
export function candleBytes(p: PackedCandles): Buffer {
  return Buffer.from(p.buffer, 0, p.length * 8 * COLUMNS);
}

export const hashBytes = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/** The candles back from Redis or the disk cache; throws when they do not match their hash. */
export function decompressCandles(stored: string | Buffer, hash: string): PackedCandles {
  const raw = gunzipSync(typeof stored === "string" ? Buffer.from(stored, "base64") : stored);
  if (hashBytes(raw) !== hash) throw new Error(`candles ${hash.slice(0, 12)} do not match their hash`);
  const length = raw.byteLength / (8 * COLUMNS);
  const buffer = new ArrayBuffer(raw.byteLength);
  new Uint8Array(buffer).set(raw);
  return { length, buffer, offsets: Array.from({ length: COLUMNS }, (_, i) => i * length * 8) };
}

/** Runs as a job's return value: v8-serialised so NaN, ±Infinity and typed arrays come back exact. */
export const encodeRuns = (runs: ComboRun[]): string => serialize(runs).toString("base64");
export const decodeRuns = (s: string): ComboRun[] => deserialize(Buffer.from(s, "base64")) as ComboRun[];

/** BullMQ connection options from a redis:// or rediss:// URL (never logged: it may hold a password). */
export function redisConnection(url: string) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error("KEYFLOW_REDIS_URL is not a URL; use redis://host:6379 (or rediss:// with TLS).");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error("KEYFLOW_REDIS_URL must start with redis:// or rediss://.");
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: Number(u.pathname.slice(1) || 0),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    // Workers block on Redis; BullMQ needs commands to wait for a reconnect rather than fail.
    maxRetriesPerRequest: null,
  };
}
