import { createCallerFactory, createTRPCRouter } from "../trpc";
import { backtestsRouter } from "./backtests";
import { healthRouter } from "./health";
import { marketsRouter } from "./markets";
import { strategiesRouter } from "./strategies";
import { templatesRouter } from "./templates";

// One router per entity; `keys` and `bots` join here when they exist.
export const appRouter = createTRPCRouter({
  health: healthRouter,
  markets: marketsRouter,
  strategies: strategiesRouter,
  templates: templatesRouter,
  backtests: backtestsRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
