import { z } from "zod";
import { nameSchema } from "./name";

export const FLOW_FORMAT = "keyflow.flow";
/** Bump on every incompatible change of the document; add a step to `migrate.ts` with it. */
export const FLOW_VERSION = 2;

export const timeframeSchema = z.enum(["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w"]);
export type Timeframe = z.infer<typeof timeframeSchema>;

export const TIMEFRAME_MS: Record<Timeframe, number> = {
  "1m": 60_000,
  "3m": 180_000,
  "5m": 300_000,
  "15m": 900_000,
  "30m": 1_800_000,
  "1h": 3_600_000,
  "2h": 7_200_000,
  "4h": 14_400_000,
  "6h": 21_600_000,
  "12h": 43_200_000,
  "1d": 86_400_000,
  "1w": 604_800_000,
};

export const marketSchema = z.strictObject({
  exchange: z.string().min(1).max(64).describe("ccxt exchange id, or `demo` for the generated market"),
  symbol: z.string().min(1).max(64).describe("Unified symbol such as BTC/USDT"),
  timeframe: timeframeSchema,
});
export type Market = z.infer<typeof marketSchema>;

export const sizingSchema = z.strictObject({
  mode: z.enum(["percentEquity", "quote", "base"]),
  value: z.number().positive(),
});
export type Sizing = z.infer<typeof sizingSchema>;

export const settingsSchema = z.strictObject({
  initialCash: z.number().positive().max(1e15).default(10_000),
  /** Fraction of traded value, e.g. 0.001 = 0.1 %. */
  feeRate: z.number().min(0).max(0.1).default(0.001),
  /** Fraction of price paid on market and stop fills, e.g. 0.0005 = 0.05 %. */
  slippage: z.number().min(0).max(0.1).default(0),
  /** Used by buy blocks whose size is set to "default". */
  sizing: sizingSchema.default({ mode: "percentEquity", value: 100 }),
});
export type Settings = z.infer<typeof settingsSchema>;
export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

/**
 * One flow over several markets on one shared cash balance (see engine/portfolio.ts): the markets
 * of the flow's exchange and timeframe it trades, how many positions may be open at once, and what
 * each position is given from the shared cash. Absent: the flow trades its one market.
 */
export const portfolioSchema = z.strictObject({
  /** Markets in the order they take a free slot when several want to enter on the same close. */
  symbols: z.array(marketSchema.shape.symbol).max(100).default([]),
  /** Instead of (or added after) `symbols`: every stored series of the exchange and timeframe quoted in this currency, by symbol. */
  allStoredQuote: z.string().min(1).max(16).optional(),
  maxOpenPositions: z.number().int().min(1).max(100).default(2),
  /** Cash each new position is given, in the quote currency; absent = initial cash ÷ max open positions. */
  budgetPerPosition: z.number().positive().max(1e15).optional(),
});
export type PortfolioSettings = z.infer<typeof portfolioSchema>;

const unixMs = z.number().int().min(0).max(8.64e15);

/**
 * The date range a strategy is backtested over, saved with it (not exported in templates). Both
 * ends are inclusive open times of candles; null means "from the first" / "to the last" stored.
 */
export const backtestRangeSchema = z.strictObject({
  preset: z.enum(["all", "1y", "6m", "3m", "1m", "custom"]),
  from: unixMs.nullable(),
  to: unixMs.nullable(),
});
export type BacktestRange = z.infer<typeof backtestRangeSchema>;
export type RangePreset = BacktestRange["preset"];

const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, "ids may only contain letters, digits and _ . : -");

/**
 * Values a sweep tries for one number param: from..to by step (both ends included when the steps
 * land on them), or a list. The param's own value stays what a single backtest uses.
 */
export const paramRangeSchema = z.union([
  z.strictObject({ from: z.number(), to: z.number(), step: z.number().positive() }),
  z.strictObject({ values: z.array(z.number()).min(1).max(10_000) }),
]);
export type ParamRange = z.infer<typeof paramRangeSchema>;

export const flowNodeSchema = z.strictObject({
  id: idSchema,
  kind: z.string().min(1).max(64),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Since version 2: number params a sweep varies, by param name. */
  ranges: z.record(z.string(), paramRangeSchema).optional(),
  position: z.strictObject({ x: z.number(), y: z.number() }).default({ x: 0, y: 0 }),
});
export type FlowNode = z.infer<typeof flowNodeSchema>;

/** Field names follow React Flow's edges so the editor maps them one to one. */
export const flowEdgeSchema = z.strictObject({
  id: idSchema,
  source: idSchema,
  sourceHandle: z.string().min(1).max(64),
  target: idSchema,
  targetHandle: z.string().min(1).max(64),
});
export type FlowEdge = z.infer<typeof flowEdgeSchema>;

export const flowGraphSchema = z.strictObject({
  format: z.literal(FLOW_FORMAT),
  version: z.literal(FLOW_VERSION),
  name: nameSchema,
  description: z.string().max(4000).default(""),
  market: marketSchema,
  settings: settingsSchema.default(DEFAULT_SETTINGS),
  /** Where this strategy's backtests run; absent = all stored candles. Templates leave it out. */
  range: backtestRangeSchema.optional(),
  /** Trade several markets on shared cash; absent = the one market above. */
  portfolio: portfolioSchema.optional(),
  nodes: z.array(flowNodeSchema).max(500),
  edges: z.array(flowEdgeSchema).max(2000),
});
export type FlowGraph = z.infer<typeof flowGraphSchema>;
/** What a caller may hand in: defaults not yet applied. */
export type FlowGraphInput = z.input<typeof flowGraphSchema>;
