import { backtest, compile, TIMEFRAME_MS, type BacktestResult, type Candles } from "@keyflow/core";
import type { BacktestChart } from "@keyflow/db";
import { notFound, UserError } from "../errors";
import type { Services } from "../trpc";
import { buildChart } from "./chart";
import { readInclusive } from "./startRun";
import { drawdownPct } from "./downsample";

interface Replayed {
  runId: string;
  candles: Candles;
  result: BacktestResult;
  drawdown: Float64Array;
  spec: Parameters<typeof buildChart>[0]["spec"];
  nodeIds: string[];
  timeframeMs: number;
}

/** The last run replayed: a person clicks trade after trade of the same run. */
let last: Replayed | null = null;

function replay(services: Services, runId: string): Replayed {
  if (last?.runId === runId) return last;
  const run = services.db.backtests.get(runId);
  if (!run) throw notFound("This backtest");
  if (run.status !== "done") throw new UserError("BAD_REQUEST", `This backtest is ${run.status}; it has no trades to show.`, { kind: "input", issues: [{ path: "runId", message: run.status }] });
  const compiled = compile(run.flow);
  if (!compiled.ok) throw new UserError("BAD_REQUEST", "This backtest's flow no longer compiles with this version of Keyflow.", { kind: "compile", issues: compiled.errors });
  const series = services.db.candles.find({ exchange: run.exchange, symbol: run.symbol, timeframe: run.timeframe });
  if (!series) throw notFound("The candles of this backtest");
  const candles = readInclusive(services.db, series.id, run.fromTime, run.toTime);
  const timeframeMs = TIMEFRAME_MS[run.timeframe];
  // The same engine on the same candles records the same indicator values the run had.
  const result = backtest(compiled.spec, candles, run.settings, { record: true, timeframeMs, hash: compiled.hash });
  last = { runId, candles, result, drawdown: drawdownPct(result.equity), spec: compiled.spec, nodeIds: compiled.nodeIds, timeframeMs };
  return last;
}

/** First index whose time is ≥ t. */
function lowerBound(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A window [from, to) of a finished run at the market's own resolution (up to `maxPoints` bars):
 * candles, every recorded indicator, equity and drawdown (from the run's running peak).
 */
export function runWindow(services: Services, runId: string, from: number, to: number, maxPoints: number): BacktestChart {
  const r = replay(services, runId);
  const lo = lowerBound(r.candles.time, from);
  const hi = lowerBound(r.candles.time, to);
  const cut = (a: Float64Array) => a.subarray(lo, hi);
  const c = r.candles;
  const candles: Candles = { length: hi - lo, time: cut(c.time), open: cut(c.open), high: cut(c.high), low: cut(c.low), close: cut(c.close), volume: cut(c.volume) };
  return buildChart({
    candles,
    timeframeMs: r.timeframeMs,
    equity: cut(r.result.equity),
    drawdown: cut(r.drawdown),
    series: r.result.series.map((s) => ({ ...s, values: cut(s.values) })),
    spec: r.spec,
    nodeIds: r.nodeIds,
    maxPoints,
  });
}
