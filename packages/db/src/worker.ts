// What a backtest worker thread needs of the database, without drizzle or the repositories.
export { openCandleReader, type ReadCandles, type ReadRange } from "./candleReader";
export { encodeResults } from "./resultCodec";
