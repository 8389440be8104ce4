/**
 * The engine's version, recorded with every result. Bump it with any change to the indicators, the
 * evaluator, the simulated broker (fills, fees, slippage, stops) or the metrics that can change a
 * number in a result: a run made again says whether a difference comes from the engine or the data.
 */
export const ENGINE_VERSION = "0.1.0";

/**
 * The fill rules every run uses, recorded with its settings (they are the engine's, not a setting):
 * a decision at a bar's close fills at the next bar's open; stops and targets fill inside the bar.
 */
export const FILL_RULES = "next-open/intrabar-stops";
