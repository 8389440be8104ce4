export { openDatabase, DATABASE_FILE, type KeyflowDb, type OpenOptions } from "./client";
export { findMigrationsFolder } from "./migrations";
export type { CandleRepo, CandleSeries, InsertResult, ReadRange } from "./repo/candles";
export type { StrategyRepo, StrategySummary, StrategyWithFlow, VersionInfo } from "./repo/strategies";
export type { BacktestRepo, BacktestRun, BacktestRunSummary, BacktestOutcome, NewBacktestRun } from "./repo/backtests";
export { CHUNK_CANDLES, allocPackedCandles } from "./candleCodec";
export { backtestChartSchema, chartLineSchema, type BacktestChart, type ChartLine } from "./chart";
export { CANDLE_SOURCES, BACKTEST_STATUSES, type CandleSource, type BacktestStatus } from "./schema";
