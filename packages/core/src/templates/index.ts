import { flowGraphSchema, type FlowGraph } from "../flow/schema";
import smaCross from "./sma-cross.json";
import rsiReversion from "./rsi-reversion.json";
import macdTrend from "./macd-trend.json";
import bollingerBreakout from "./bollinger-breakout.json";
import emaCrossStops from "./ema-cross-stops.json";
import smaCrossRsiFilter from "./sma-cross-rsi-filter.json";
import zscoreReversion from "./zscore-reversion.json";
import mtfTrendFilter from "./mtf-trend-filter.json";
import dcaSafetyOrders from "./dca-safety-orders.json";
import twoStepTakeProfit from "./two-step-take-profit.json";
import btcEthPortfolio from "./btc-eth-portfolio.json";

export interface Template {
  id: string;
  flow: FlowGraph;
}

/** The built-in templates, validated against the schema when this module loads. */
export const TEMPLATES: readonly Template[] = Object.entries({
  "sma-cross": smaCross,
  "rsi-reversion": rsiReversion,
  "macd-trend": macdTrend,
  "bollinger-breakout": bollingerBreakout,
  "ema-cross-stops": emaCrossStops,
  "sma-cross-rsi-filter": smaCrossRsiFilter,
  "zscore-reversion": zscoreReversion,
  "mtf-trend-filter": mtfTrendFilter,
  "dca-safety-orders": dcaSafetyOrders,
  "two-step-take-profit": twoStepTakeProfit,
  "btc-eth-portfolio": btcEthPortfolio,
}).map(([id, json]) => ({ id, flow: flowGraphSchema.parse(json) }));

export const DEFAULT_TEMPLATE_ID = "sma-cross";

export function getTemplate(id: string): Template | undefined {
  return TEMPLATES.find((t) => t.id === id);
}
