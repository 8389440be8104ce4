// The execution model every trader shares: how much an entry buys, and where its stop loss, take
// profit and trailing stop sit. The simulated broker (backtests, paper bots) and the live trader call
// these, so a backtest and a live bot size and protect a position with the same arithmetic.
import type { EntryRule } from "./program";

/**
 * Quantity an entry buys at `price` with `cash`, never spending more than the cash including the fee
 * (`feeRate` of the order's value). Not positive when nothing can be bought.
 */
export function entryQty(sizing: EntryRule["sizing"], cash: number, price: number, feeRate: number): number {
  const unit = price * (1 + feeRate);
  if (sizing.mode === "percentEquity") return (cash * (Math.min(sizing.value, 100) / 100)) / unit;
  if (sizing.mode === "quote") return Math.min(sizing.value, cash) / unit;
  return Math.min(sizing.value, cash / unit);
}

/** Stop-loss price of a position entered at `entry` (NaN: the rule has none). */
export const stopLossLevel = (rule: EntryRule, entry: number): number => entry * (1 - rule.stopLossPct / 100);

/** Take-profit price of a position entered at `entry` (NaN: the rule has none). */
export const takeProfitLevel = (rule: EntryRule, entry: number): number => entry * (1 + rule.takeProfitPct / 100);

/** The trailing distance as a fraction of the peak (NaN: the rule has none). */
export const trailFraction = (rule: EntryRule): number => rule.trailingPct / 100;

/** Trailing-stop price below a peak at `fraction` (NaN when `fraction` is NaN). */
export const trailLevel = (peak: number, fraction: number): number => peak * (1 - fraction);

/** Whether the rule protects its position with any stop or target. */
export const hasStops = (rule: EntryRule): boolean =>
  rule.stopLossPct === rule.stopLossPct || rule.takeProfitPct === rule.takeProfitPct || rule.trailingPct === rule.trailingPct;

/**
 * Of a stop loss and a trailing stop (either may be NaN), whether the trailing one is met first on
 * the way down: it exists and the stop loss is not at or above it.
 */
export const trailingFirst = (stopLoss: number, trail: number): boolean => trail === trail && !(stopLoss >= trail);
