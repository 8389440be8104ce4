import { compile, TIMEFRAME_MS, type Candles, type CompileResult, type FlowGraph, type Market } from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { UserError } from "../errors";
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

/** The stored candles of a market in [from, to) (default: all of them), or a UserError saying what is missing. */
export function loadMarketCandles(db: KeyflowDb, market: Market, range: { from?: number; to?: number }): { candles: Candles; from: number; to: number; updatedAt: number } {
  const series = db.candles.find(market);
  const name = `${market.exchange} ${market.symbol} ${market.timeframe}`;
  if (!series || series.count === 0 || series.firstTime === null || series.lastTime === null) {
    throw new UserError(
      "BAD_REQUEST",
      `No candles stored for ${name}. Import a CSV or download them from the exchange first, or pick the demo market (demo DEMO/USDT).`,
      { kind: "noCandles" },
    );
  }
  const tf = TIMEFRAME_MS[market.timeframe];
  const from = range.from ?? series.firstTime;
  const to = range.to ?? series.lastTime + tf;
  if (!(to > from)) throw new UserError("BAD_REQUEST", `The date range is empty: the end (${utcMinute(to)}) must be after the start (${utcMinute(from)}).`, { kind: "input", issues: [{ path: "to", message: "must be after from" }] });
  const candles = db.candles.read(series.id, { from, to });
  if (candles.length === 0) {
    throw new UserError("BAD_REQUEST", `No ${name} candles between ${utcMinute(from)} and ${utcMinute(to)} UTC; stored data covers ${utcMinute(series.firstTime)} to ${utcMinute(series.lastTime + tf)}.`, { kind: "noCandles" });
  }
  return { candles, from, to, updatedAt: series.updatedAt };
}
