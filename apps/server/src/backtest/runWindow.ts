import { compile, TIMEFRAME_MS } from "@keyflow/core";
import type { BacktestChart } from "@keyflow/db";
import { notFound, UserError } from "../errors";
import type { Services } from "../trpc";
import { candlesVersion } from "../jobs/workerProtocol";

/**
 * A window [from, to) of a finished run at the market's own resolution (up to `maxPoints` bars):
 * candles, every recorded indicator, equity and drawdown (from the run's running peak). The run is
 * replayed in a backtest worker, which keeps the last one for the next window.
 */
export async function runWindow(services: Services, runId: string, from: number, to: number, maxPoints: number): Promise<BacktestChart> {
  const run = services.db.backtests.getInfo(runId);
  if (!run) throw notFound("This backtest");
  if (run.status !== "done") throw new UserError("BAD_REQUEST", `This backtest is ${run.status}; it has no trades to show.`, { kind: "input", issues: [{ path: "runId", message: run.status }] });
  const compiled = compile(run.flow);
  if (!compiled.ok) throw new UserError("BAD_REQUEST", "This backtest's flow no longer compiles with this version of Keyflow.", { kind: "compile", issues: compiled.errors });
  const series = services.db.candles.find({ exchange: run.exchange, symbol: run.symbol, timeframe: run.timeframe });
  if (!series) throw notFound("The candles of this backtest");
  return services.backtests.window({
    runId,
    spec: compiled.spec,
    hash: compiled.hash,
    nodeIds: compiled.nodeIds,
    settings: run.settings,
    timeframeMs: TIMEFRAME_MS[run.timeframe],
    seriesId: series.id,
    candlesVersion: candlesVersion(series),
    // Runs record the last candle used (inclusive); the worker reads [from, to).
    range: { from: run.fromTime, to: run.toTime + 1 },
    window: { from, to, maxPoints },
  });
}
