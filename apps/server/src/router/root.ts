import { createCallerFactory, createTRPCRouter } from "../trpc";
import { alertsRouter } from "./alerts";
import { backtestsRouter } from "./backtests";
import { botsRouter } from "./bots";
import { healthRouter } from "./health";
import { keysRouter } from "./keys";
import { marketsRouter } from "./markets";
import { researchRouter } from "./research";
import { strategiesRouter } from "./strategies";
import { templatesRouter } from "./templates";

// One router per entity.
export const appRouter = createTRPCRouter({
  health: healthRouter,
  markets: marketsRouter,
  strategies: strategiesRouter,
  templates: templatesRouter,
  backtests: backtestsRouter,
  research: researchRouter,
  keys: keysRouter,
  bots: botsRouter,
  alerts: alertsRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
