import type { TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@keyflow/server";
import { createClient } from "../lib/trpcApi";

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

/** A stored key as the server shows it: label, masked id, permissions — never a secret. */
export type KeyView = Outputs["keys"]["list"][number];
export type KeyPermissions = NonNullable<KeyView["permissions"]>;
/** Which credential fields an exchange needs (ccxt's requiredCredentials). */
export type Requirements = Outputs["keys"]["requirements"];
/** What Keyflow can offer on an exchange (a testnet, a passphrase). */
export type Capabilities = Outputs["keys"]["capabilities"];
export type CredentialField = keyof Requirements;
export type Credentials = Omit<Inputs["keys"]["rotate"], "id">;
export type AddKeyInput = Inputs["keys"]["add"];

/**
 * What the keys page asks the server. Credentials travel only in mutation bodies (POST), never
 * in a query's URL, and nothing here keeps them after the call returns.
 */
export interface KeysApi {
  requirements(exchange: string): Promise<Requirements>;
  capabilities(exchange: string): Promise<Capabilities>;
  list(): Promise<KeyView[]>;
  add(input: AddKeyInput): Promise<KeyView>;
  probe(id: string): Promise<KeyView>;
  rotate(id: string, credentials: Credentials): Promise<KeyView>;
  /** The person confirms withdrawals are disabled for a key whose exchange does not report it. */
  confirmNoWithdraw(id: string): Promise<KeyView>;
  remove(id: string): Promise<void>;
}

let client: TRPCClient<AppRouter> | null = null;
/** One tRPC client for the keys and bots pages (batch link + SSE for subscriptions). */
export function tradingClient(): TRPCClient<AppRouter> {
  client ??= createClient();
  return client;
}

export function createKeysApi(c: TRPCClient<AppRouter> = tradingClient()): KeysApi {
  return {
    requirements: (exchange) => c.keys.requirements.query({ exchange }),
    capabilities: (exchange) => c.keys.capabilities.query({ exchange }),
    list: () => c.keys.list.query(),
    add: (input) => c.keys.add.mutate(input),
    probe: (id) => c.keys.probe.mutate({ id }),
    rotate: (id, credentials) => c.keys.rotate.mutate({ id, ...credentials }),
    confirmNoWithdraw: (id) => c.keys.confirmNoWithdraw.mutate({ id }),
    async remove(id) {
      await c.keys.remove.mutate({ id });
    },
  };
}

let api: KeysApi | null = null;
export function keysApi(): KeysApi {
  api ??= createKeysApi();
  return api;
}
/** Tests put a fake here. */
export function setKeysApi(a: KeysApi | null): void {
  api = a;
}

/** `error.data.userError` of a tRPC error: the server's machine-readable account of a mistake the person can fix. */
export interface UserErrorInfo {
  kind: string;
  reason?: string;
  message: string;
  issues?: { path: string; message: string }[];
}

export function userErrorOf(e: unknown): UserErrorInfo | null {
  const ue = (e as { data?: { userError?: unknown } | null } | null | undefined)?.data?.userError;
  if (!ue || typeof ue !== "object" || typeof (ue as { kind?: unknown }).kind !== "string") return null;
  return ue as UserErrorInfo;
}

export const keysQueryKey = ["keys"] as const;
