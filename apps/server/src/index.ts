// What other packages may import from the server: the router type for the web app's client,
// and the pieces tests use to start a server.
export type { AppRouter } from "./router/root";
export { appRouter, createCaller } from "./router/root";
export type { UserErrorDetails } from "./errors";
export type { BacktestProgress } from "./jobs/backtestJobs";
export type { DownloadProgress } from "./jobs/downloadJobs";
export type { BotView, BotDetail, BotStreamEvent } from "./bots/views";
export type { KeyView } from "./keys/keyService";
export { createServices, type ServicesOptions } from "./services";
export { backendFromEnv } from "./research/backendFromEnv";
export { startHttpServer, type RunningServer } from "./http/server";
export { configFromEnv, type ServerConfig } from "./config";
export { botSettings } from "./bots/settings";
export { DEMO_EXCHANGE, DEMO_SYMBOL, DEMO_MARKETS } from "./data/demoMarket";
