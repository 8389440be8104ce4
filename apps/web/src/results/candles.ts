import type { Market } from "@keyflow/core";
import { trpcClient } from "../lib/trpc";
import type { CandleColumns } from "./model";

/** Stored candles of a market in [from, to), merged by the server into at most `maxPoints` candles. */
export async function fetchCandles(market: Market, from: number, to: number, maxPoints = 2000): Promise<CandleColumns> {
  const r = await trpcClient.markets.candles.query({ market, from: Math.max(0, Math.floor(from)), to: Math.floor(to), maxPoints });
  return { bucketMs: r.bucketMs, time: r.time, open: r.open, high: r.high, low: r.low, close: r.close };
}
