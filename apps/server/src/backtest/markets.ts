// One flow over several markets of the same exchange and timeframe: each market is an ordinary run
// (startRun with the market swapped: pinned, reused when nothing changed, opened like any other),
// and the portfolio splits the cash equally between them (see combineEquity in @keyflow/core).
import { combineEquity } from "@keyflow/core";
import { notFound, UserError } from "../errors";
import type { Services } from "../trpc";
import { startRun, type StartedRun, type StartRunInput } from "./startRun";

export type StartMarketsInput = Omit<StartRunInput, "market" | "rerunOf"> & { symbols: string[] };

export type MarketStart = { symbol: string; run: StartedRun } | { symbol: string; error: string };

/**
 * Starts one run per symbol. A market without candles in the range is reported on its row and the
 * others still run; a flow that does not compile fails the whole request (it fails every market alike).
 */
export function startMarkets(services: Services, input: StartMarketsInput): MarketStart[] {
  const { symbols, ...rest } = input;
  const base = input.flow?.market ?? (input.strategyId !== undefined ? services.db.strategies.get(input.strategyId, input.version)?.flow.market : undefined);
  if (!base) throw notFound(input.strategyId !== undefined ? "This strategy" : "The flow");
  return [...new Set(symbols)].map((symbol) => {
    try {
      return { symbol, run: startRun(services, { ...rest, market: { ...base, symbol } }) };
    } catch (e) {
      if (e instanceof UserError && e.details.kind === "noCandles") return { symbol, error: e.message };
      throw e;
    }
  });
}

export interface MarketRow {
  runId: string;
  symbol: string;
  status: string;
  returnPct: number | null;
  trades: number | null;
  maxDrawdownPct: number | null;
}

/**
 * Each run's return, trades and drawdown, and once all are done the portfolio. Its equity is the
 * mean of the runs' stored equity charts (min/max-preserving downsamples of a few thousand points,
 * each ending on the final equity): the return is exact, the drawdown can miss a dip that the
 * markets reach at different bars inside one chart bucket (the CLI computes it on every bar).
 */
export function marketsSummary(services: Services, runIds: string[]) {
  const runs = runIds.map((id) => {
    const run = services.db.backtests.get(id);
    if (!run) throw notFound("One of these backtests");
    return run;
  });
  const rows: MarketRow[] = runs.map((r) => ({
    runId: r.id,
    symbol: r.symbol,
    status: r.status,
    returnPct: r.metrics?.totalReturnPct ?? null,
    trades: r.metrics?.trades ?? null,
    maxDrawdownPct: r.metrics?.maxDrawdownPct ?? null,
  }));
  const done = runs.every((r) => r.status === "done" && r.chart && r.metrics);
  const cash = runs[0]?.settings.initialCash;
  const portfolio =
    done && cash !== undefined && runs.every((r) => r.settings.initialCash === cash)
      ? (({ equity: _curve, ...totals }) => totals)(
          combineEquity(
            runs.map((r) => r.chart!.equity),
            cash,
            runs.map((r) => r.metrics!.trades),
          ),
        )
      : null;
  return { rows, portfolio };
}
