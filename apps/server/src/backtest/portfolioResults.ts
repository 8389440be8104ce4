// What a portfolio run keeps of core's PortfolioResult: per-market counts, and every market's trades
// plus the equity and drawdown curves packed with the same columnar codec as single runs.
import type { PortfolioResult } from "@keyflow/core";
import { encodeResults } from "@keyflow/db/worker";
import type { PortfolioMarketOutcome } from "../jobs/workerProtocol";
import { CHART_POINTS } from "./chart";
import { downsampleMinMax, drawdownPct } from "./downsample";

export interface EncodedPortfolio {
  markets: PortfolioMarketOutcome[];
  /** encodeResults of all markets' trades (market after market) and a chart with equity and drawdown only. */
  results: Uint8Array;
}

export function encodePortfolio(result: PortfolioResult, feeRate: number): EncodedPortfolio {
  const { time, value } = result.equity;
  const chart = {
    candles: { bucketMs: 0, time: [], open: [], high: [], low: [], close: [], volume: [] },
    equity: downsampleMinMax(time, value, CHART_POINTS),
    drawdown: downsampleMinMax(time, drawdownPct(value), CHART_POINTS),
    indicators: [],
  };
  const blob = encodeResults({ trades: result.markets.flatMap((m) => m.trades), chart }, feeRate);
  return {
    markets: result.markets.map(({ trades, ...m }) => ({ ...m, tradeCount: trades.length })),
    // A copy into a buffer of its own, so a transfer moves exactly these bytes.
    results: new Uint8Array(blob),
  };
}
