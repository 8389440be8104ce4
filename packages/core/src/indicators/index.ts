// Streaming technical indicators: one closed bar per update(), O(1), no allocation per call,
// NaN before warm-up, NaN inputs ignored. Definitions follow TA-Lib; see each file.
export { Adx } from "./adx";
export { Atr } from "./atr";
export { Bbands } from "./bbands";
export { Ema } from "./ema";
export { Highest, Lowest } from "./extremes";
export { Macd } from "./macd";
export { Obv } from "./obv";
export { Roc } from "./roc";
export { Rsi } from "./rsi";
export { Sma } from "./sma";
export { Stoch } from "./stoch";
export { Vwap, type VwapMode } from "./vwap";
export { Wma } from "./wma";
export { Delay } from "./delay";
export { Streak } from "./streak";
