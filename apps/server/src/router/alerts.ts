import { nameSchema } from "@keyflow/core";
import { z } from "zod";
import { createTRPCRouter, publicProcedure } from "../trpc";

const id = z.string().min(1).max(64);

export const alertsRouter = createTRPCRouter({
  /** Alert channels (never their URL's secret part, HMAC key or bot token). */
  list: publicProcedure.query(({ ctx }) => ctx.services.alerts.list()),

  /** A webhook: JSON POSTs signed with HMAC-SHA256 of the body (header x-keyflow-signature: sha256=…). */
  addWebhook: publicProcedure
    .input(z.object({ label: nameSchema.optional(), url: z.string().trim().min(1).max(2000), secret: z.string().min(1).max(512) }))
    .mutation(({ ctx, input }) => ctx.services.alerts.addWebhook(input)),

  /** A Telegram chat, through a bot made with @BotFather (its token is sealed like an exchange secret). */
  addTelegram: publicProcedure
    .input(z.object({ label: nameSchema.optional(), token: z.string().trim().min(1).max(200), chatId: z.string().trim().min(1).max(100) }))
    .mutation(({ ctx, input }) => ctx.services.alerts.addTelegram(input)),

  remove: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => {
    ctx.services.alerts.remove(input.id);
    return { removed: true as const };
  }),

  /** Sends a test alert and returns the channel with the outcome (lastSentAt or lastError). */
  test: publicProcedure.input(z.object({ id })).mutation(({ ctx, input }) => ctx.services.alerts.test(input.id)),
});
