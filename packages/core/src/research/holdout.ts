import { lowerBound, sliceCandles, type Candles } from "../data/candles";

/**
 * The candles research may see: those before the locked hold-out, which starts at `holdoutFrom`
 * (unix ms; none when undefined). Sweeps and walk-forward get only this view, so the hold-out's
 * candles are never read until it is unlocked.
 */
export function beforeHoldout(candles: Candles, holdoutFrom: number | undefined): Candles {
  if (holdoutFrom === undefined) return candles;
  return sliceCandles(candles, 0, lowerBound(candles, holdoutFrom));
}
