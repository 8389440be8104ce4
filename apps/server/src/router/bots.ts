import { flowGraphSchema, marketSchema, nameSchema, settingsSchema } from "@keyflow/core";
import { afterDowntimeSchema, BOT_MODES } from "@keyflow/db";
import { z } from "zod";
import { createTRPCRouter, publicProcedure } from "../trpc";
import { MAX_WARMUP_BARS } from "../bots/manager";

const id = z.string().min(1).max(64);
const limit = z.number().positive().max(1e15).nullable().optional();

/**
 * A deploy: a flow (or a saved strategy) as a bot. Paper unless `mode: "live"`, which also needs a
 * `keyId` whose probe passed with trading allowed and `confirmLive: true`. Risk limits (quote
 * currency; null = none) apply to live orders. Starts at once unless `start: false`.
 */
const deployInput = z
  .object({
    name: nameSchema.optional(),
    strategyId: z.string().optional(),
    version: z.number().int().positive().optional(),
    flow: flowGraphSchema.optional(),
    market: marketSchema.optional(),
    mode: z.enum(BOT_MODES).default("paper"),
    keyId: id.optional(),
    confirmLive: z.boolean().optional(),
    risk: z.object({ maxOrderValue: limit, maxPosition: limit, maxDailyLoss: limit, maxOrdersPerHour: z.number().int().positive().nullable().optional() }).optional(),
    afterDowntime: afterDowntimeSchema.partial().optional(),
    settings: settingsSchema.pick({ initialCash: true, feeRate: true, slippage: true }).partial().optional(),
    warmupBars: z.number().int().min(0).max(MAX_WARMUP_BARS).optional(),
    start: z.boolean().default(true),
  })
  .refine((i) => i.flow !== undefined || i.strategyId !== undefined, { message: "Send a flow or a strategyId.", path: ["flow"] });

/** Risk limits without the fields left out (undefined), as the manager takes them. */
function withRisk(input: z.infer<typeof deployInput>) {
  const { risk, ...rest } = input;
  const cleanRisk = risk ? Object.fromEntries(Object.entries(risk).filter(([, v]) => v !== undefined)) : undefined;
  return { ...rest, ...(cleanRisk ? { risk: cleanRisk } : {}) };
}

export const botsRouter = createTRPCRouter({
  /** Deploys a bot (see deployInput); a live one only after its pre-flight passes. */
  deploy: publicProcedure.input(deployInput).mutation(({ ctx, input }) => ctx.services.bots.deployChecked(withRisk(input))),

  /** A live deploy's pre-flight, for the review step: the exchange's balance, limits and fees against the bot's settings. */
  preflight: publicProcedure.input(deployInput).query(({ ctx, input }) => ctx.services.bots.preflight(withRisk(input))),

  /** Every bot with status, position and PnL, newest first. */
  list: publicProcedure.query(({ ctx }) => ctx.services.bots.list()),

  /** One bot with its flow, recent orders and fills, round-trip trades and log. */
  get: publicProcedure.input(z.object({ id })).query(({ ctx, input }) => ctx.services.bots.get(input.id)),

  /** The drift report: the candles the bot received replayed through the backtest, compared candle by candle with what it did. */
  drift: publicProcedure.input(z.object({ id })).query(({ ctx, input }) => ctx.services.bots.drift(input.id)),

  /** Starts a bot (a live one after its pre-flight passes). */
  start: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.bots.startChecked(input.id)),

  /** Pauses the bot: no new orders, its working orders (a stop on the exchange) stay; `start` resumes it. */
  pause: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.bots.pause(input.id)),

  /** Deletes a stopped bot with its journal (export it first with `journalCsv`). */
  delete: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.bots.delete(input.id)),

  /** The bot's order journal as CSV. */
  journalCsv: publicProcedure.input(z.object({ id })).query(({ ctx, input }) => ctx.services.bots.journalCsv(input.id)),

  /** Stops the bot and cancels its open orders (the position stays as it is). */
  stop: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.bots.stop(input.id)),

  /**
   * The kill switch: stops every bot and cancels all their open orders on the exchanges; with
   * `close`, live positions are sold first. The answer says which it did and what is still held.
   */
  stopAll: publicProcedure.input(z.object({ close: z.boolean().optional() }).nullish()).mutation(({ ctx, input }) => ctx.services.bots.stopAll({ close: input?.close === true })),

  /** Sells a running live bot's position now (journalled like any order). */
  close: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.bots.closePosition(input.id)),

  /** Lifts a live bot's start-small cap once its probation is complete (the person's action only). */
  liftCap: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.bots.liftCap(input.id)),

  /**
   * Live updates (SSE) of one bot (`id`) or all: first `{type:"bot"}` per bot and the recent
   * `{type:"log"}` lines, then every change — `bot` (status, position, PnL), `order`, `fill`, `log`.
   */
  events: publicProcedure.input(z.object({ id: id.optional() }).default({})).subscription(async function* ({ ctx, input, signal }) {
    yield* ctx.services.bots.events(input.id, signal);
  }),
});
