import { generateDemoCandles } from "../src";

export const YEAR_1M = 525_600;

/**
 * The bench's market when the shared candles are not there: one year of generated 1m candles.
 * Cent prices make exact ties between two moving averages common here (17 for SMA 10/20), so it is
 * also the test set where the engine and the hand-written loop must agree trade for trade.
 */
export function generatedYear1m() {
  return generateDemoCandles({ seed: 42, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: YEAR_1M });
}
