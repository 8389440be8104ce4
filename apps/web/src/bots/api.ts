import type { TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@keyflow/server";
import { tradingClient } from "../keys/api";

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type BotView = Outputs["bots"]["list"][number];
export type BotDetail = Outputs["bots"]["get"];
export type BotOrder = BotDetail["orders"][number];
export type BotEvent = BotDetail["events"][number];
export type BotRisk = BotView["risk"];
export type DeployInput = Inputs["bots"]["deploy"];
export type StopAllResult = Outputs["bots"]["stopAll"];
export type StopResult = Outputs["bots"]["stop"];
/** One message of the `bots.events` SSE stream. */
export type BotStreamEvent = Outputs["bots"]["events"] extends AsyncIterable<infer T> ? T : never;

export interface StreamHandlers {
  onEvent: (e: BotStreamEvent) => void;
  onStarted?: () => void;
  onError?: (message: string) => void;
  onState?: (state: "connecting" | "pending" | "idle") => void;
}

/** What the bots page asks the server. */
export interface BotsApi {
  list(): Promise<BotView[]>;
  get(id: string): Promise<BotDetail>;
  deploy(input: DeployInput): Promise<BotView>;
  start(id: string): Promise<BotView>;
  stop(id: string): Promise<StopResult>;
  stopAll(): Promise<StopAllResult>;
  /** Live updates of every bot (SSE); returns an unsubscribe function. */
  subscribe(handlers: StreamHandlers): () => void;
}

export function createBotsApi(c: TRPCClient<AppRouter> = tradingClient()): BotsApi {
  return {
    list: () => c.bots.list.query(),
    get: (id) => c.bots.get.query({ id }),
    deploy: (input) => c.bots.deploy.mutate(input),
    start: (id) => c.bots.start.mutate({ id }),
    stop: (id) => c.bots.stop.mutate({ id }),
    stopAll: () => c.bots.stopAll.mutate(),
    subscribe(h) {
      const sub = c.bots.events.subscribe(
        {},
        {
          onStarted: () => h.onStarted?.(),
          onData: (e) => h.onEvent(e),
          onError: (e) => h.onError?.(e.message),
          onConnectionStateChange: (s) => h.onState?.(s.state),
        },
      );
      return () => sub.unsubscribe();
    },
  };
}

let api: BotsApi | null = null;
export function botsApi(): BotsApi {
  api ??= createBotsApi();
  return api;
}
/** Tests put a fake here. */
export function setBotsApi(a: BotsApi | null): void {
  api = a;
}

export const botsQueryKey = ["bots"] as const;
export const botQueryKey = (id: string) => ["bot", id] as const;
