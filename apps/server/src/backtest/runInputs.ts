import { canonicalJson, compile, type Candles, type CompileResult, type FlowGraph, type Market } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { notFound, UserError } from "../errors";
import { utcMinute } from "../utcMinute";

/** Compiles a flow about to run; its problems become a UserError pointing at the blocks. */
export function compileOrThrow(flow: FlowGraph): Extract<CompileResult, { ok: true }> {
  const compiled = compile(flow);
  if (!compiled.ok) {
    const n = compiled.errors.length;
    throw new UserError("BAD_REQUEST", `The flow has ${n} problem${n > 1 ? "s" : ""} to fix before it can run: ${compiled.errors[0]!.message}${n > 1 ? " (and more, marked on the blocks)" : ""}`, {
      kind: "compile",
      issues: compiled.errors,
    });
  }
  return compiled;
}

/**
 * The flow a run is asked for: the one sent, or the saved strategy's (a version, default the latest).
 * `strategyVersion` is set when the run is of a saved version as it is (a flow sent along with the id
 * counts only if it is that version), null otherwise.
 */
export function flowToRun(db: KeyflowDb, input: { flow?: FlowGraph; strategyId?: string; version?: number }): { flow: FlowGraph; strategyVersion: number | null } {
  let flow = input.flow;
  let strategyVersion: number | null = null;
  if (input.strategyId !== undefined) {
    const s = db.strategies.get(input.strategyId, input.version);
    if (!s) throw notFound(input.version ? `Version ${input.version} of this strategy` : "This strategy");
    if (!input.flow || canonicalJson(input.flow) === canonicalJson(s.flow)) strategyVersion = input.version ?? s.latestVersion;
    flow ??= s.flow;
  }
  if (!flow) throw new UserError("BAD_REQUEST", "Nothing to backtest: send a flow or the id of a saved strategy.", { kind: "input", issues: [{ path: "flow", message: "required" }] });
  return { flow, strategyVersion };
}

/** A market's stored series, or a UserError saying what is missing. */
export function storedSeries(db: KeyflowDb, market: Market) {
  const series = db.candles.find(market);
  if (!series || series.count === 0 || series.firstTime === null || series.lastTime === null) {
    throw new UserError(
      "BAD_REQUEST",
      `No candles stored for ${marketName(market)}. Import a CSV or download them from the exchange first, or pick the demo market (demo DEMO/USDT).`,
      { kind: "noCandles" },
    );
  }
  return { ...series, firstTime: series.firstTime, lastTime: series.lastTime };
}

export const marketName = (m: Market) => `${m.exchange} ${m.symbol} ${m.timeframe}`;

/** The range asked for, both ends inclusive (default: every stored candle); an empty one is a UserError. */
export function inclusiveRange(series: { firstTime: number; lastTime: number }, range: { from?: number; to?: number }): { from: number; to: number } {
  const from = range.from ?? series.firstTime;
  const to = range.to ?? series.lastTime;
  if (!(to >= from)) throw new UserError("BAD_REQUEST", `The date range is empty: the end (${utcMinute(to)}) must be after the start (${utcMinute(from)}).`, { kind: "input", issues: [{ path: "to", message: "must be after from" }] });
  return { from, to };
}

export function noCandlesInRange(market: Market, series: { firstTime: number; lastTime: number }, from: number, to: number): UserError {
  return new UserError("BAD_REQUEST", `No ${marketName(market)} candles between ${utcMinute(from)} and ${utcMinute(to)} UTC; stored data covers ${utcMinute(series.firstTime)} to ${utcMinute(series.lastTime)}.`, { kind: "noCandles" });
}

/**
 * The stored candles of a market opening in [from, to] (both inclusive; default: all of them) and
 * before `before` when given (a locked hold-out: never read), or a UserError saying what is missing.
 * Returns the open times of the first and last candle read.
 */
export function loadMarketCandles(db: KeyflowDb, market: Market, range: { from?: number; to?: number; before?: number }): { candles: Candles; from: number; to: number; updatedAt: number } {
  const series = storedSeries(db, market);
  const { from, to } = inclusiveRange(series, range);
  const end = Math.min(to + 1, range.before ?? Infinity);
  const candles = db.candles.read(series.id, { from, to: end });
  if (candles.length === 0) throw noCandlesInRange(market, series, from, to);
  return { candles, from: candles.time[0]!, to: candles.time[candles.length - 1]!, updatedAt: series.updatedAt };
}
