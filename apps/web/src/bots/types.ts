import type { RouterInputs, RouterOutputs } from "../lib/trpc";

export type BotView = RouterOutputs["bots"]["list"][number];
export type BotDetail = RouterOutputs["bots"]["get"];
export type BotOrder = BotDetail["orders"][number];
export type BotEvent = BotDetail["events"][number];
export type BotRisk = BotView["risk"];
export type DeployInput = RouterInputs["bots"]["deploy"];
export type StopAllResult = RouterOutputs["bots"]["stopAll"];
/** One message of the `bots.events` SSE stream. */
export type BotStreamEvent = RouterOutputs["bots"]["events"] extends AsyncIterable<infer T> ? T : never;
