export { openDatabase, DATABASE_FILE, type KeyflowDb, type OpenOptions, type DiskUsage } from "./client";
export { findMigrationsFolder } from "./migrations";
export type { CandleRepo, CandleSeries, InsertResult, ReadRange } from "./repo/candles";
export type { StrategyRepo, StrategySummary, StrategyWithFlow, VersionInfo } from "./repo/strategies";
export type { BacktestRepo, BacktestRun, BacktestRunSummary, BacktestOutcome, EncodedOutcome, NewBacktestRun } from "./repo/backtests";
export { encodeResults, decodeResults, resultsForBrowser, RESULT_CODEC_VERSION, type RunResults } from "./resultCodec";
export type { BanRepo } from "./repo/bans";
export type { AlertRepo } from "./repo/alerts";
export type { ResearchRepo, ResearchRun, ResearchRunSummary, StrategyHoldout, NewResearchRun } from "./repo/research";
export type { PortfoliosRepo, PortfolioRun, PortfolioRunSummary, NewPortfolioRun, PortfolioOutcome } from "./repo/portfolios";
export type { PortfolioMarketRow, PortfolioMarketData } from "./schema";
export type { KeyRepo, ExchangeKey, SealedCredentials, ProbeRecord, NewExchangeKey } from "./repo/keys";
export type { BotRepo, Bot, BotOrder, BotFill, BotEvent, NewBot, BotPatch, NewBotOrder, BotOrderPatch, NewBotFill, NewBotCandle } from "./repo/bots";
export { ACTIVE_ORDER_STATUSES } from "./repo/bots";
export { CHUNK_CANDLES, allocPackedCandles } from "./candleCodec";
export { backtestChartSchema, chartLineSchema, type BacktestChart, type ChartLine } from "./chart";
export { DELIVERY_CHANNELS, type DeliveryChannel } from "./schema";
export { CANDLE_SOURCES, BACKTEST_STATUSES, type CandleSource, type BacktestStatus, RESEARCH_KINDS, RESEARCH_STATUSES, type ResearchKind, type ResearchStatus } from "./schema";
export {
  BOT_MODES,
  BOT_STATUSES,
  BOT_ORDER_STATUSES,
  BOT_EVENT_LEVELS,
  KEY_PROBE_STATUSES,
  ALERT_KINDS,
  type AlertKind,
  type AlertChannel,
  afterDowntimeSchema,
  DEFAULT_AFTER_DOWNTIME,
  type AfterDowntime,
  type BotHealth,
  type BotHealthState,
  type MissedSignal,
  type BotMode,
  type BotStatus,
  type BotOrderStatus,
  type BotEventLevel,
  type BotRiskLimits,
  type BotBook,
  type BotLease,
  type BotProbation,
  type KeyPermissions,
  type KeyProbeStatus,
} from "./schema";
