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

// ---------------------------------------------------------------- scaling in and out
// (docs/fills.md, "Scaling in and out"). The same arithmetic in the simulated broker and the live trader.

/** Whether the rule scales in or out (steps, safety orders): its position needs the scaled checks. */
export const scales = (rule: EntryRule): boolean => rule.takeProfitSteps.length > 0 || rule.safetyOrders !== null;

/** Price of safety order `k` (1-based) below the position's first fill. */
export const safetyLevel = (rule: EntryRule, firstFill: number, k: number): number => firstFill * (1 - (k * rule.safetyOrders!.stepPct) / 100);

/** Quantity safety order `k` (1-based) buys at `price` with `cash`: its size × scale^(k−1), never more than the cash including the fee. */
export function safetyQty(rule: EntryRule, k: number, cash: number, price: number, feeRate: number): number {
  const so = rule.safetyOrders!;
  return entryQty({ mode: so.sizing.mode, value: so.sizing.value * so.scale ** (k - 1) }, cash, price, feeRate);
}

/** Price of take-profit step `k` (0-based, steps ascending) above the average entry. */
export const stepLevel = (rule: EntryRule, avgEntry: number, k: number): number => avgEntry * (1 + rule.takeProfitSteps[k]!.pct / 100);

/** Quantity take-profit step `k` sells of `held`: its share, all of it at 100 %. */
export const stepQty = (rule: EntryRule, held: number, k: number): number => {
  const pct = rule.takeProfitSteps[k]!.sellPct;
  return pct >= 100 ? held : held * (pct / 100);
};

/**
 * A buy of `qty` at `price` cut to the rule's maximum position, given what is held (`heldQty` bought
 * at `avgEntry` on average); not positive when the cap leaves no room.
 */
export function capToMaxPosition(rule: EntryRule, qty: number, price: number, heldQty: number, avgEntry: number): number {
  const cap = rule.maxPosition;
  if (cap === null) return qty;
  const room = cap.mode === "base" ? cap.value - heldQty : (cap.value - heldQty * avgEntry) / price;
  return Math.min(qty, room);
}
