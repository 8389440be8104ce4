/**
 * The engine's version, recorded with every result. Bump it with any change to the indicators, the
 * evaluator, the simulated broker (fills, fees, slippage, stops) or the metrics that can change a
 * number in a result: a run made again says whether a difference comes from the engine or the data.
 */
export const ENGINE_VERSION = "0.1.0";

/**
 * The fill rules every run uses (docs/fills.md), recorded with its settings: they are the engine's,
 * not a setting. Change this text whenever a rule changes (and bump ENGINE_VERSION).
 */
export const FILL_RULES = "market: next open + slippage; limit: when a later bar trades through; stops: intrabar, a gap fills at the open, stop before target in one bar";
