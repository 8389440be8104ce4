import type { StrategySpec } from "../compile/spec";
import { generateDemoCandles } from "../data/demo";
import { TIMEFRAME_MS, timeframeSchema, type Timeframe } from "../flow/schema";
import { Strategy } from "./strategy";

/**
 * How many closed bars of `timeframe` a bot must replay before every indicator of `spec` has a
 * value: found by running the program (indicator lookbacks compose through the graph, and an
 * indicator on a higher timeframe needs that many higher candles), plus one higher candle for a
 * start in the middle of one (its tail is never shown). Null when more than `max` bars would be needed.
 */
export function warmupBarsNeeded(spec: StrategySpec, timeframe: Timeframe, max = 5000): number | null {
  const strategy = new Strategy(spec);
  const { warmSlot, v } = strategy.program;
  const higher = spec.nodes.map((n) => timeframeSchema.safeParse(n.params.timeframe)).flatMap((p) => (p.success ? [TIMEFRAME_MS[p.data]] : []));
  const tail = higher.length > 0 ? Math.max(...higher) / TIMEFRAME_MS[timeframe] : 0;
  if (warmSlot < 0) return tail;
  // Monday 2024-01-01 00:00 UTC opens every bucket, a week's included.
  const candles = generateDemoCandles({ seed: 1, timeframe, start: Date.UTC(2024, 0, 1), bars: Math.max(0, max - tail) });
  for (let i = 0; i < candles.length; i++) {
    strategy.update(candles.time[i]!, candles.open[i]!, candles.high[i]!, candles.low[i]!, candles.close[i]!, candles.volume[i]!);
    if (v[warmSlot] === 0) return i + 1 + tail;
  }
  return null;
}
