import { initTRPC, TRPCError } from "@trpc/server";
import type { KeyflowDb } from "@keyflow/db";
import type { AlertService } from "./alerts/alertService";
import type { BotManager } from "./bots/manager";
import type { ServerConfig } from "./config";
import { UserError, type UserErrorDetails } from "./errors";
import type { BacktestJobs } from "./jobs/backtestJobs";
import type { DownloadJobs } from "./jobs/downloadJobs";
import type { ResearchJobs } from "./research/researchJobs";
import type { KeyService } from "./keys/keyService";

/** Everything a procedure may use; built once per process and shared by every request. */
export interface Services {
  db: KeyflowDb;
  backtests: BacktestJobs;
  research: ResearchJobs;
  downloads: DownloadJobs;
  keys: KeyService;
  bots: BotManager;
  alerts: AlertService;
  config: ServerConfig;
  startedAt: number;
}

export interface Context {
  services: Services;
}

export function createContext(services: Services): Context {
  return { services };
}

const INTERNAL_MESSAGE = "Something went wrong on the server (details are in its log). Try again; if it keeps happening, please report it.";

interface IssueLike {
  path: PropertyKey[];
  message: string;
}

function validationIssues(cause: unknown): IssueLike[] | undefined {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) ? (issues as IssueLike[]) : undefined;
}

const t = initTRPC.context<Context>().create({
  isDev: false,
  sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 20_000 } },
  errorFormatter({ shape, error }) {
    let message = shape.message;
    let userError: ({ message: string } & UserErrorDetails) | null = null;
    if (error instanceof UserError) {
      userError = { message: error.message, ...error.details };
    } else {
      const issues = error.code === "BAD_REQUEST" ? validationIssues(error.cause) : undefined;
      if (issues) {
        const list = issues.map((i) => ({ path: i.path.map(String).join(".") || "input", message: i.message.replace(/^Invalid input: /, "") }));
        message = `Invalid input: ${list.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
        userError = { message, kind: "input", issues: list };
      } else if (error.code === "INTERNAL_SERVER_ERROR") {
        message = INTERNAL_MESSAGE;
      }
    }
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, userError } };
  },
});

export const createTRPCRouter = t.router;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
export { TRPCError };
