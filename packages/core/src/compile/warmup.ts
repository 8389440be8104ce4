// How many candles a flow's indicators need before their values stop depending on where the history
// began. Windowed indicators (SMA, highest…) are exact after their window; recursive ones (EMA, RSI,
// ADX, ATR…) carry every past value with a decaying weight, so they need several times their period:
// after 4 periods of an EMA (α = 2 / (n + 1)) or 8 of a Wilder average (α = 1 / n) the start weighs
// about e^-8 ≈ 0.03 % of the value.
import type { StrategySpec } from "./spec";

const EMA = 4;
const WILDER = 8;

type Own = { bars: number; recursive: boolean };
const p = (params: Record<string, unknown>, name: string): number => (typeof params[name] === "number" ? (params[name] as number) : 0);

/** A block's own settling length in candles, and whether it is recursive. */
function own(kind: string, params: Record<string, unknown>): Own {
  const n = p(params, "period");
  switch (kind) {
    case "ema":
      return { bars: EMA * n, recursive: true };
    case "dema":
      return { bars: 2 * EMA * n, recursive: true };
    case "tema":
      return { bars: 3 * EMA * n, recursive: true };
    case "kama":
      // Its slowest smoothing constant is that of a 30-period EMA.
      return { bars: n + EMA * 30, recursive: true };
    case "macd":
      return { bars: EMA * p(params, "slow") + EMA * p(params, "signal"), recursive: true };
    case "rsi":
    case "atr":
      return { bars: WILDER * n, recursive: true };
    case "adx":
      // Wilder-smoothed directional movement, then a Wilder average of DX.
      return { bars: 2 * WILDER * n, recursive: true };
    case "stochRsi":
      return { bars: WILDER * p(params, "rsiPeriod") + p(params, "kPeriod") + p(params, "dPeriod"), recursive: true };
    case "keltner":
      return { bars: Math.max(EMA * n, WILDER * p(params, "atrPeriod")), recursive: true };
    case "superTrend":
      return { bars: WILDER * p(params, "atrPeriod"), recursive: true };
    case "ichimoku":
      return { bars: p(params, "spanBPeriod") + p(params, "displacement"), recursive: false };
    case "stoch":
      return { bars: p(params, "kPeriod") + p(params, "kSmooth") + p(params, "dPeriod"), recursive: false };
    default:
      return { bars: n, recursive: false };
  }
}

export interface WarmupNeed {
  /** Candles the flow needs before its values are settled. */
  bars: number;
  /** The block at the end of that chain (kind and period); recursive: false when the flow has no recursive indicator. */
  kind: string | null;
  period: number | null;
  recursive: boolean;
}

/** The warm-up the flow's recursive indicators need: the longest chain of settling lengths through a recursive block. */
export function warmupNeed(spec: StrategySpec): WarmupNeed {
  const need: { bars: number; recursive: boolean }[] = [];
  let worst: WarmupNeed = { bars: 0, kind: null, period: null, recursive: false };
  spec.nodes.forEach((node, i) => {
    const o = own(node.kind, node.params);
    let upstream = { bars: 0, recursive: false };
    for (const ref of node.inputs) if ("node" in ref && need[ref.node] && need[ref.node]!.bars > upstream.bars) upstream = need[ref.node]!;
    const total = { bars: upstream.bars + o.bars, recursive: upstream.recursive || o.recursive };
    need[i] = total;
    if (total.recursive && total.bars > worst.bars) worst = { bars: total.bars, kind: node.kind, period: p(node.params, "period") || null, recursive: total.recursive };
  });
  return worst;
}
