import type { BlockDef } from "./types";
import { constant, price } from "./sources";
import { adx, atr, bbands, ema, highest, lowest, macd, obv, roc, rsi, sma, stoch, vwap, wma } from "./indicators";
import { dema, hma, kama, tema } from "./averages";
import { cci, cmf, linRegSlope, mfi, percentRank, stdDev, stochRsi, willr } from "./oscillators";
import { donchian, ichimoku, keltner, sar, superTrend } from "./channels";
import { add, divide, multiply, offset, subtract } from "./math";
import { formula } from "./formula";
import { between, crossAbove, crossBelow, falling, greaterThan, lessThan, rising } from "./conditions";
import { and, not, or } from "./logic";
import { buy, limitBuy, sell } from "./actions";
import { maxPosition, partialTakeProfit, safetyOrders, stopLoss, takeProfit, trailingStop } from "./risk";
import { matchBlocks } from "./search";

export * from "./types";

/** Every block Keyflow knows, in palette order. The single source of truth for palette, forms, compiler and docs. */
export const BLOCKS: readonly BlockDef[] = [
  price,
  constant,
  sma,
  ema,
  wma,
  dema,
  tema,
  kama,
  hma,
  rsi,
  macd,
  bbands,
  keltner,
  donchian,
  atr,
  stdDev,
  stoch,
  stochRsi,
  willr,
  cci,
  mfi,
  adx,
  sar,
  superTrend,
  ichimoku,
  obv,
  cmf,
  roc,
  linRegSlope,
  percentRank,
  highest,
  lowest,
  vwap,
  add,
  subtract,
  multiply,
  divide,
  offset,
  formula,
  crossAbove,
  crossBelow,
  greaterThan,
  lessThan,
  between,
  rising,
  falling,
  and,
  or,
  not,
  buy,
  limitBuy,
  sell,
  stopLoss,
  takeProfit,
  trailingStop,
  partialTakeProfit,
  safetyOrders,
  maxPosition,
] as unknown as readonly BlockDef[];

const byKind = new Map(BLOCKS.map((b) => [b.kind, b]));

export function getBlock(kind: string): BlockDef | undefined {
  return byKind.get(kind);
}

/** The palette search over every block: see `matchBlocks` for the ranking. */
export function searchBlocks(query: string): BlockDef[] {
  return matchBlocks(query, BLOCKS);
}
