import { marketSchema, monteCarloSettingsSchema, sweepSettingsSchema, walkForwardSettingsSchema, flowGraphSchema } from "@keyflow/core";
import { z } from "zod";
import { notFound, UserError } from "../errors";
import { applySweepRow, monteCarloOfRun, startResearch, unlockHoldout } from "../research/startResearch";
import { createTRPCRouter, publicProcedure } from "../trpc";

const id = z.string().min(1).max(64);
const unixMs = z.number().int().min(0).max(8.64e15);

/** Sweeps, walk-forwards, the locked hold-out and Monte Carlo of a strategy. */
export const researchRouter = createTRPCRouter({
  /** Queues a sweep (or, with `walkForward`, a walk-forward) over the ranges in the flow; returns at once. */
  start: publicProcedure
    .input(
      z.object({
        strategyId: id.optional(),
        version: z.number().int().positive().optional(),
        flow: flowGraphSchema.optional(),
        market: marketSchema.optional(),
        from: unixMs.optional(),
        to: unixMs.optional(),
        settings: sweepSettingsSchema,
        walkForward: walkForwardSettingsSchema.optional(),
      }),
    )
    .mutation(({ ctx, input }) => startResearch(ctx.services, input)),

  /** Live progress (SSE): done / total, best so far, ETA; ends with done, failed or cancelled. */
  progress: publicProcedure.input(z.object({ id })).subscription(async function* ({ ctx, input, signal }) {
    if (!ctx.services.research.current(input.id)) throw notFound("This sweep");
    yield* ctx.services.research.progress(input.id, signal);
  }),

  /** Where sweeps run (for Settings): worker threads here, or the queue with its workers and chunks. */
  backend: publicProcedure.query(({ ctx }) => ctx.services.research.backendState()),

  cancel: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ({ cancelled: ctx.services.research.cancel(input.id) })),

  get: publicProcedure.input(z.object({ id })).query(({ ctx, input }) => {
    const run = ctx.services.db.research.get(input.id);
    if (!run) throw notFound("This sweep");
    return run;
  }),

  /** A strategy's sweeps and walk-forwards, newest first, without results. */
  listForStrategy: publicProcedure
    .input(z.object({ strategyId: id, limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ ctx, input }) => ctx.services.db.research.listForStrategy(input.strategyId, input.limit)),

  /** Writes a sweep row's values into a new version of its strategy. */
  applyRow: publicProcedure.input(z.object({ id, row: z.number().int().min(0) })).mutation(({ ctx, input }) => applySweepRow(ctx.services, input.id, input.row)),

  /** The strategy's hold-out, or null when it reserves none. */
  holdout: publicProcedure.input(z.object({ strategyId: id })).query(({ ctx, input }) => ctx.services.db.research.holdout(input.strategyId) ?? null),

  /** Reserves the candles from `from` on as a locked hold-out (or moves it, while it is still locked). */
  lockHoldout: publicProcedure.input(z.object({ strategyId: id, from: unixMs })).mutation(({ ctx, input }) => {
    if (!ctx.services.db.strategies.get(input.strategyId)) throw notFound("This strategy");
    if (!ctx.services.db.research.lockHoldout(input.strategyId, input.from)) {
      throw new UserError("CONFLICT", "The hold-out was already unlocked; its candles have been seen, so it cannot be locked again.", { kind: "conflict" });
    }
    return ctx.services.db.research.holdout(input.strategyId)!;
  }),

  /** Runs the strategy (latest or given version) once on its hold-out and records when. */
  unlockHoldout: publicProcedure
    .input(z.object({ strategyId: id, version: z.number().int().positive().optional() }))
    .mutation(({ ctx, input }) => unlockHoldout(ctx.services, input.strategyId, input.version)),

  /** Monte Carlo over a finished backtest's trades (shuffle or bootstrap, seeded). */
  monteCarlo: publicProcedure
    .input(z.object({ runId: id, settings: monteCarloSettingsSchema.default({ method: "shuffle", runs: 1000, seed: 1 }) }))
    .query(({ ctx, input }) => monteCarloOfRun(ctx.services, input.runId, input.settings)),
});
