import { queryOptions, skipToken, useQuery } from "@tanstack/react-query";
import { trpc, trpcClient } from "../lib/trpc";
import { unpackRunResults } from "./runResults";
import { runView, type RunView } from "./runView";

/** A run with its trades and chart unpacked; fails (with the run's own error) when it has no result. */
async function loadRun(runId: string): Promise<RunView> {
  const row = await trpcClient.backtests.get.query({ runId });
  return runView(row, row.results === null ? null : await unpackRunResults(row.results));
}

/** One finished backtest, as the results view draws it: it never changes, so it is fetched once. */
export const runQuery = (runId: string | null) =>
  queryOptions({ queryKey: trpc.backtests.get.queryKey(runId ? { runId } : undefined), queryFn: runId ? () => loadRun(runId) : skipToken, staleTime: Infinity });

export function useRun(runId: string | null) {
  return useQuery(runQuery(runId));
}
