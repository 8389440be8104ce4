import type { BlockDef } from "./types";
import { constant, price } from "./sources";
import { adx, atr, bbands, ema, highest, lowest, macd, obv, roc, rsi, sma, stoch, vwap, wma } from "./indicators";
import { add, divide, multiply, offset, subtract } from "./math";
import { between, crossAbove, crossBelow, falling, greaterThan, lessThan, rising } from "./conditions";
import { and, not, or } from "./logic";
import { buy, limitBuy, sell } from "./actions";
import { stopLoss, takeProfit, trailingStop } from "./risk";

export * from "./types";

/** Every block Keyflow knows, in palette order. The single source of truth for palette, forms, compiler and docs. */
export const BLOCKS: readonly BlockDef[] = [
  price,
  constant,
  sma,
  ema,
  wma,
  rsi,
  macd,
  bbands,
  atr,
  stoch,
  adx,
  obv,
  roc,
  highest,
  lowest,
  vwap,
  add,
  subtract,
  multiply,
  divide,
  offset,
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
] as unknown as readonly BlockDef[];

const byKind = new Map(BLOCKS.map((b) => [b.kind, b]));

export function getBlock(kind: string): BlockDef | undefined {
  return byKind.get(kind);
}
