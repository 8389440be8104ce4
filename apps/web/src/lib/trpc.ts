import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@keyflow/server";
import { KEYFLOW_CLIENT_HEADER } from "@keyflow/core";
import { queryClient } from "./queryClient";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/**
 * How requests reach the server: queries and mutations batched over HTTP, subscriptions over SSE.
 * The one place the links are configured (headers included).
 */
function serverLink(url = "/trpc"): TRPCLink<AppRouter> {
  return splitLink({
    condition: (op) => op.type === "subscription",
    true: httpSubscriptionLink({ url }),
    // The server takes changes only with this header (a foreign page cannot send it).
    false: httpBatchLink({ url, headers: { [KEYFLOW_CLIENT_HEADER]: "web" } }),
  });
}

let transport: TRPCLink<AppRouter> = serverLink();

/** Unit tests answer requests in memory (see test/fakeServer.ts); `null` goes back to the server. */
export function setTransport(link: TRPCLink<AppRouter> | null): void {
  transport = link ?? serverLink();
}

/** Forwards to the current transport, initialised once per transport so batching keeps working. */
const currentTransport: TRPCLink<AppRouter> = (runtime) => {
  let link = transport;
  let next = link(runtime);
  return (op) => {
    if (link !== transport) {
      link = transport;
      next = link(runtime);
    }
    return next(op);
  };
};

/** The one tRPC client: imperative calls (`trpcClient.strategies.save.mutate(…)`) go through it. */
export const trpcClient = createTRPCClient<AppRouter>({ links: [currentTransport] });

/** Query, mutation and subscription options and keys for TanStack Query, typed from the router. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
