import { gunzipSync, gzipSync } from "node:zlib";
import { allocCandles, candleChecks, RESULT_FORMAT, RESULT_VERSION, type BundleData, type Candles, type FlowGraph, type Market, type Metrics, type Outcome, type PortfolioBundle, type ResultBundle, type Settings } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { notFound, UserError } from "../errors";
import { fileSlug, shareableFlow } from "../templates/templateJson";
import { candleColumns, candleFingerprint } from "./fingerprint";
import { readInclusive } from "../backtest/rangeFacts";

type BundledCandles = NonNullable<ResultBundle["candles"]>;

export function encodeBundledCandles(c: Candles): BundledCandles {
  return { encoding: "gzip-f64le-columns-base64", data: gzipSync(Buffer.concat(candleColumns(c)), { level: 9 }).toString("base64") };
}

/** The candles a bundle carries (`count` of them, as its fingerprint says), or a readable reason they cannot be read. */
export function decodeBundledCandles(b: BundledCandles, count: number): Candles | string {
  let bytes: Buffer;
  try {
    // Never more than the fingerprint's count: a file cannot make this unpack into gigabytes.
    bytes = gunzipSync(Buffer.from(b.data, "base64"), { maxOutputLength: Math.max(1, 48 * count) });
  } catch {
    return "The candles included in the result are damaged (not gzip data of the candles it names).";
  }
  if (bytes.length !== 48 * count) return "The candles included in the result are damaged (not the number of candles it names).";
  const n = bytes.length / 48;
  const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const c = allocCandles(n);
  (["time", "open", "high", "low", "close", "volume"] as const).forEach((k, i) => c[k].set(all.subarray(i * n, (i + 1) * n)));
  return c;
}

export interface BundleParts {
  flow: FlowGraph;
  specHash: string;
  settings: Settings;
  fillRules: string;
  engineVersion: string;
  market: Market;
  range: { from: number; to: number };
  /** The candles of the range, exactly as the run read them. */
  candles: Candles;
  outcome: Outcome & { metrics: Metrics };
  equity: ResultBundle["equity"];
  createdAt: number;
  includeCandles: boolean;
  /** Per-candle checks, to say where another copy of the data differs (default true). */
  checks?: boolean;
}

/** A market's candles as a result names them: fingerprint, and a check value per candle unless `checks` is false. */
function bundleData(market: Market, range: { from: number; to: number }, candles: Candles, checks = true): BundleData {
  return { ...candleFingerprint(market, range, candles), ...(checks ? { checks: candleChecks(candles) } : {}) };
}

/** A result bundle from what produced a result and the result itself. */
export function assembleBundle(p: BundleParts): ResultBundle {
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    createdAt: p.createdAt,
    template: shareableFlow(p.flow),
    specHash: p.specHash,
    settings: p.settings,
    fillRules: p.fillRules,
    engineVersion: p.engineVersion,
    data: bundleData(p.market, p.range, p.candles, p.checks !== false),
    metrics: p.outcome.metrics,
    trades: [...p.outcome.trades],
    openPosition: p.outcome.openPosition,
    equity: p.equity,
    ...(p.includeCandles ? { candles: encodeBundledCandles(p.candles) } : {}),
  };
}

/**
 * A finished run as a result bundle: the template, settings, the fingerprint of its candles, the
 * engine version and the result. The candles are read again and must still be the ones the run read.
 */
export function exportBundle(db: KeyflowDb, runId: string, opts: { includeCandles?: boolean; now?: number } = {}): { fileName: string; bundle: ResultBundle } {
  const run = db.backtests.get(runId);
  if (!run) throw notFound("This backtest");
  if (run.status !== "done" || !run.metrics || !run.trades || !run.chart) throw new UserError("BAD_REQUEST", "Only a finished backtest can be exported as a result; wait for it to finish or run it again.", { kind: "input", issues: [{ path: "runId", message: "not finished" }] });
  const market = { exchange: run.exchange, symbol: run.symbol, timeframe: run.timeframe };
  if (!run.dataHash || !run.engineVersion) {
    throw new UserError("BAD_REQUEST", "This run was made before Keyflow recorded which candles a run read, so its result cannot be checked by anyone. Press Run again and export the new run.", { kind: "unpinned" });
  }
  const series = db.candles.find(market);
  const candles = series ? readInclusive(db, series.id, run.fromTime, run.toTime) : allocCandles(0);
  const bundle = assembleBundle({
    flow: run.flow,
    specHash: run.specHash,
    settings: run.settings,
    fillRules: run.fillRules ?? "",
    engineVersion: run.engineVersion,
    market,
    range: { from: run.fromTime, to: run.toTime },
    candles,
    outcome: { metrics: run.metrics, trades: run.trades, openPosition: run.openPosition ?? null },
    equity: run.chart.equity,
    createdAt: opts.now ?? Date.now(),
    includeCandles: opts.includeCandles ?? false,
  });
  if (bundle.data.contentHash !== run.dataHash) {
    throw new UserError("BAD_REQUEST", `The stored ${market.exchange} ${market.symbol} ${market.timeframe} candles changed since this run, so its result no longer matches them. Press Run again and export the new run.`, { kind: "dataChanged" });
  }
  return { fileName: `${fileSlug(run.name ?? run.flow.name)}.result.json`, bundle };
}

/**
 * A finished portfolio run as a result file: the flow (with its portfolio), the rules, and per market
 * its candles' fingerprint (read again: they must still be the ones the run read), trades, open
 * position and skipped entries.
 */
export function exportPortfolioBundle(db: KeyflowDb, runId: string, opts: { includeCandles?: boolean; now?: number } = {}): { fileName: string; bundle: PortfolioBundle } {
  const run = db.portfolios.get(runId);
  if (!run) throw notFound("This portfolio run");
  if (run.status !== "done" || !run.metrics || !run.markets || !run.equity) throw new UserError("BAD_REQUEST", "Only a finished portfolio run can be exported as a result; wait for it to finish or run it again.", { kind: "input", issues: [{ path: "runId", message: "not finished" }] });
  const markets = run.markets.map((m) => {
    const market = { exchange: run.exchange, symbol: m.symbol, timeframe: run.timeframe };
    const d = run.data.find((x) => x.symbol === m.symbol);
    if (!d || !d.dataHash) throw new UserError("BAD_REQUEST", "This portfolio run was made before Keyflow recorded which candles each market read, so its result cannot be checked by anyone. Run it again and export the new run.", { kind: "unpinned" });
    const series = db.candles.find(market);
    const candles = series ? readInclusive(db, series.id, d.first, d.last) : allocCandles(0);
    const data = bundleData(market, { from: d.first, to: d.last }, candles);
    if (data.contentHash !== d.dataHash) {
      throw new UserError("BAD_REQUEST", `The stored ${market.exchange} ${market.symbol} ${market.timeframe} candles changed since this portfolio run, so its result no longer matches them. Run it again and export the new run.`, { kind: "dataChanged" });
    }
    return { data, trades: m.trades, openPosition: m.openPosition, skippedEntries: m.skippedEntries, ...(opts.includeCandles ? { candles: encodeBundledCandles(candles) } : {}) };
  });
  const bundle: PortfolioBundle = {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    kind: "portfolio",
    createdAt: opts.now ?? Date.now(),
    template: shareableFlow(run.flow),
    specHash: run.specHash,
    settings: run.settings,
    fillRules: run.fillRules ?? "",
    engineVersion: run.engineVersion,
    rules: run.rules,
    metrics: run.metrics,
    equity: run.equity,
    markets,
  };
  return { fileName: `${fileSlug(run.name ?? run.flow.name)}.portfolio.result.json`, bundle };
}
