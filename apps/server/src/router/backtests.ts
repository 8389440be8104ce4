import { flowGraphSchema, marketSchema, nameSchema, portfolioSchema, settingsSchema } from "@keyflow/core";
import { resultsForBrowser } from "@keyflow/db";
import { z } from "zod";
import { runWindow } from "../backtest/runWindow";
import { runGaps } from "../backtest/rangeFacts";
import { startRun } from "../backtest/startRun";
import { MAX_PORTFOLIO_MARKETS, runPortfolio } from "../backtest/portfolioRun";
import { rerun, reproduction } from "../results/rerun";
import { exportBundle, exportPortfolioBundle } from "../results/bundle";
import { BUNDLE_MAX_BYTES, downloadThroughJobs, importBundle, readBundleJson } from "../results/importBundle";
import { notFound } from "../errors";
import { createTRPCRouter, publicProcedure } from "../trpc";

const runId = z.string().min(1).max(64);
const unixMs = z.number().int().min(0).max(8.64e15);

export const backtestsRouter = createTRPCRouter({
  /**
   * Compiles and queues a backtest; returns at once with the run id. A flow that does not compile
   * fails with `error.data.userError = { kind: "compile", issues: [{ nodeId, port?, param?, message }] }`.
   */
  run: publicProcedure
    .input(
      z
        .object({
          flow: flowGraphSchema.optional(),
          strategyId: z.string().optional(),
          version: z.number().int().positive().optional(),
          market: marketSchema.optional(),
          from: unixMs.optional(),
          to: unixMs.optional(),
          settings: settingsSchema.partial().optional(),
        })
        .refine((i) => i.flow !== undefined || i.strategyId !== undefined, { message: "Send a flow or a strategyId.", path: ["flow"] }),
    )
    .mutation(({ ctx, input }) => startRun(ctx.services, input)),

  /**
   * The flow over several markets of its exchange and timeframe as one portfolio on shared cash
   * (its own portfolio markets, or `symbols`): queued on the backtest workers like `run`; returns at
   * once with the run id (progress: `progress`, result: `portfolio`, stop: `cancel`).
   */
  runPortfolio: publicProcedure
    .input(
      z
        .object({
          flow: flowGraphSchema.optional(),
          strategyId: z.string().optional(),
          version: z.number().int().positive().optional(),
          symbols: z.array(marketSchema.shape.symbol).min(1).max(MAX_PORTFOLIO_MARKETS).optional(),
          maxOpenPositions: portfolioSchema.shape.maxOpenPositions.unwrap().optional(),
          budgetPerPosition: portfolioSchema.shape.budgetPerPosition,
          from: unixMs.optional(),
          to: unixMs.optional(),
          settings: settingsSchema.partial().optional(),
        })
        .refine((i) => i.flow !== undefined || i.strategyId !== undefined, { message: "Send a flow or a strategyId.", path: ["flow"] }),
    )
    .mutation(({ ctx, input }) => runPortfolio(ctx.services, input)),

  /** A stored portfolio run: its rules, status, metrics, equity and each market's trades (null until done). */
  portfolio: publicProcedure.input(z.object({ id: runId })).query(({ ctx, input }) => {
    const run = ctx.services.db.portfolios.get(input.id);
    if (!run) throw notFound("This portfolio run");
    return run;
  }),

  /** A strategy's portfolio runs, newest first, without trades (kept like its single runs: the newest plus pinned ones). */
  portfolios: publicProcedure.input(z.object({ strategyId: z.string() })).query(({ ctx, input }) => ctx.services.db.portfolios.listForStrategy(input.strategyId)),

  /** "Run again": the run's strategy version, market, range and settings, on the candles stored now. */
  rerun: publicProcedure.input(z.object({ runId })).mutation(({ ctx, input }) => rerun(ctx.services, input.runId)),

  /** For a run made with `rerun`: identical to the run it repeats, or where and why it differs; null for other runs. */
  reproduction: publicProcedure.input(z.object({ runId })).query(({ ctx, input }) => reproduction(ctx.services, input.runId)),

  /** A finished run as a result bundle anyone can verify ; the candles only with `includeCandles`. */
  exportBundle: publicProcedure.input(z.object({ runId, includeCandles: z.boolean().default(false) })).query(({ ctx, input }) => {
    return exportBundle(ctx.services.db, input.runId, { includeCandles: input.includeCandles });
  }),

  /** A finished portfolio run as a result file (`kind: "portfolio"`: every market's candle fingerprint and trades); `keyflow verify` checks it. */
  exportPortfolio: publicProcedure.input(z.object({ runId, includeCandles: z.boolean().default(false) })).query(({ ctx, input }) => {
    return exportPortfolioBundle(ctx.services.db, input.runId, { includeCandles: input.includeCandles });
  }),

  /**
   * Imports a result bundle (a portfolio's too): verifies it on this install's candles (downloading them if missing),
   * saves its template as a strategy and runs it; the run carries the verification.
   */
  importBundle: publicProcedure
    .input(z.object({ json: z.string().max(BUNDLE_MAX_BYTES * 2), download: z.boolean().default(true) }))
    .mutation(({ ctx, input }) => importBundle(ctx.services, readBundleJson(input.json), input.download ? { download: downloadThroughJobs(ctx.services) } : {})),

  /** Live progress (SSE): status, percent, bars done, bars/s; ends with done, failed or cancelled. */
  progress: publicProcedure.input(z.object({ runId })).subscription(async function* ({ ctx, input, signal }) {
    if (!ctx.services.backtests.current(input.runId)) throw notFound("This backtest");
    yield* ctx.services.backtests.progress(input.runId, signal);
  }),

  cancel: publicProcedure.input(z.object({ runId })).mutation(({ ctx, input }) => ({ cancelled: ctx.services.backtests.cancel(input.runId) })),

  /**
   * A run with its results: metrics and open position as JSON; trades and the downsampled chart as
   * `results`, packed columns (a year of 1m: ~0.4 MB instead of ~4 MB of JSON), base64 of one
   * version byte then deflate-raw; unpack with `unpackResults` from @keyflow/core. Null until done.
   */
  get: publicProcedure.input(z.object({ runId })).query(({ ctx, input }) => {
    const run = ctx.services.db.backtests.getPacked(input.runId);
    if (!run) throw notFound("This backtest");
    const { columns, ...rest } = run;
    return { ...rest, gaps: runGaps(ctx.services.db, run), results: columns ? resultsForBrowser(columns).toString("base64") : null };
  }),

  /**
   * A window of a finished run at the market's own resolution, for looking at one trade: candles,
   * every recorded indicator (oscillators included), equity and drawdown. The run is replayed once, in a worker.
   */
  window: publicProcedure
    .input(z.object({ runId, from: unixMs, to: unixMs, maxPoints: z.number().int().min(10).max(5000).default(3000) }))
    .query(({ ctx, input }) => runWindow(ctx.services, input.runId, input.from, input.to, input.maxPoints)),

  /** Past runs of a strategy, newest first, without trades and chart. */
  listForStrategy: publicProcedure
    .input(z.object({ strategyId: z.string(), limit: z.number().int().min(1).max(500).default(50) }))
    .query(({ ctx, input }) => ctx.services.db.backtests.listForStrategy(input.strategyId, input.limit)),

  /** Names a run, single or portfolio (null: back to its label from what it ran). */
  rename: publicProcedure.input(z.object({ runId, name: nameSchema.nullable() })).mutation(({ ctx, input }) => {
    const { db } = ctx.services;
    if (!db.backtests.rename(input.runId, input.name) && !db.portfolios.rename(input.runId, input.name)) throw notFound("This backtest");
    return { runId: input.runId, name: input.name };
  }),

  /** Pins a run, single or portfolio (kept whatever the retention of old runs), or unpins it. */
  pin: publicProcedure.input(z.object({ runId, pinned: z.boolean() })).mutation(({ ctx, input }) => {
    const { db } = ctx.services;
    if (!db.backtests.setPinned(input.runId, input.pinned) && !db.portfolios.setPinned(input.runId, input.pinned)) throw notFound("This backtest");
    return { runId: input.runId, pinned: input.pinned };
  }),

  /** Disk used by the database and how much of it backtest runs (portfolio runs included) and candles take. */
  storage: publicProcedure.query(({ ctx }) => ctx.services.db.usage()),

  /** The most recent runs of any flow, newest first, without trades and chart. */
  recent: publicProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(50) }).default({ limit: 50 }))
    .query(({ ctx, input }) => ctx.services.db.backtests.listRecent(input.limit)),
});
