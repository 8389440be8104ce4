import { queryClient } from "../lib/queryClient";
import { trpc, trpcClient } from "../lib/trpc";
import type { CandleColumns } from "./model";

/** Stored candles of a market in [from, to), merged by the server into at most `maxPoints` candles. */
export async function fetchCandles(market: { exchange: string; symbol: string; timeframe: string }, from: number, to: number, maxPoints = 2000): Promise<CandleColumns> {
  const list = await queryClient.fetchQuery({ ...trpc.markets.list.queryOptions(), staleTime: 30_000 });
  const series = list.find((s) => s.exchange === market.exchange && s.symbol === market.symbol && s.timeframe === market.timeframe);
  if (!series) throw new Error(`No stored candles for ${market.symbol} ${market.timeframe} any more.`);
  const r = await trpcClient.markets.candles.query({ seriesId: series.id, from: Math.max(0, Math.floor(from)), to: Math.floor(to), maxPoints });
  return { bucketMs: r.bucketMs, time: r.time, open: r.open, high: r.high, low: r.low, close: r.close };
}
