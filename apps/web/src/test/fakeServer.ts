import { TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "@keyflow/server";
import type { RouterInputs, RouterOutputs } from "../lib/trpc";

type Awaitable<T> = T | Promise<T>;

/** Answers for the procedures a test needs, typed from the router: `{ keys: { list: () => [...] } }`. */
export type FakeProcedures = {
  [R in keyof RouterInputs]?: {
    [P in keyof RouterInputs[R]]?: (input: RouterInputs[R][P]) => Awaitable<RouterOutputs[R][P]>;
  };
};

/**
 * A transport that answers queries and mutations in memory. A handler that throws becomes a tRPC
 * error carrying the thrown object's `data` (e.g. `{ userError }`), as the server would send it.
 */
export function fakeServer(procedures: FakeProcedures): TRPCLink<AppRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        const [router, name] = op.path.split(".") as [string, string];
        const handler = (procedures as Record<string, Record<string, ((input: unknown) => unknown) | undefined> | undefined>)[router]?.[name];
        const respond = async () => {
          if (!handler) throw new Error(`The fake server has no answer for ${op.path}.`);
          return handler(op.input);
        };
        respond().then(
          (data) => {
            observer.next({ result: { type: "data", data } });
            observer.complete();
          },
          (e: unknown) => {
            const err = e as { message?: string; data?: object };
            observer.error(TRPCClientError.from({ error: { code: -32600, message: err.message ?? String(e), data: err.data ?? {} } }));
          },
        );
      });
}
