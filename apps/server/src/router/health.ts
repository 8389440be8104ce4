import { createTRPCRouter, publicProcedure } from "../trpc";
import { SERVER_VERSION } from "../version";

export const healthRouter = createTRPCRouter({
  /** Liveness and a few facts for the status bar. */
  check: publicProcedure.query(({ ctx }) => ({
    ok: true as const,
    version: SERVER_VERSION,
    uptimeMs: Date.now() - ctx.services.startedAt,
    runningBacktests: ctx.services.backtests.runningCount,
  })),
});
