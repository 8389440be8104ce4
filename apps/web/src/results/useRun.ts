import { skipToken, useQuery } from "@tanstack/react-query";
import { trpc } from "../lib/trpc";
import { runView } from "./runView";

/** One finished backtest, as the results view draws it: it never changes, so it is fetched once. */
export const runQuery = (runId: string | null) => trpc.backtests.get.queryOptions(runId ? { runId } : skipToken, { staleTime: Infinity, select: runView });

export function useRun(runId: string | null) {
  return useQuery(runQuery(runId));
}
