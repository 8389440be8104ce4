import { z } from "zod";
import { defineBlock, type PortDef } from "./types";
import { enumParam, intParam, numParam, period } from "./params";
import { BAR_VARS } from "./types";
import { Adx, Atr, Bbands, Ema, emaCode, Highest, Lowest, Macd, Obv, Roc, Rsi, rsiCode, Sma, smaCode, Stoch, Vwap, Wma, type IndicatorCode } from "../indicators";

export const source: PortDef = { name: "source", label: "Source", type: "series" };
export const value: PortDef = { name: "value", label: "Value", type: "series" };
export const HLC = `${BAR_VARS.high}, ${BAR_VARS.low}, ${BAR_VARS.close}`;

/**
 * A one-input, one-output indicator whose class takes a single period. With `code` (the class's
 * update written as code, for the hottest indicators) the program runs that instead of the class.
 */
export function periodIndicator(
  kind: string,
  label: string,
  help: string,
  def: number,
  make: (period: number) => { update(x: number): number },
  chart: "overlay" | "pane",
  aliases: readonly string[] = [],
  minPeriod = 1,
  code?: IndicatorCode,
) {
  return defineBlock({
    kind,
    label,
    category: "indicator",
    help,
    aliases,
    inputs: [source],
    outputs: [value],
    params: z.strictObject({ period: period(def, "Period", minPeriod) }),
    role: "compute",
    chart,
    emit: (p, { inputs: [x], outputs: [out], keep, state, counter }) =>
      code ? code(p.period, x!, out!, { keep, state, counter }) : `const ${out} = ${keep(make(p.period))}.update(${x});`,
  });
}

export const sma = periodIndicator("sma", "SMA", "Simple moving average: the mean of the last N values.", 20, (n) => new Sma(n), "overlay", [
  "simple moving average",
  "moving average",
  "MA",
  "mean",
], 1, smaCode);
export const ema = periodIndicator(
  "ema",
  "EMA",
  "Exponential moving average: recent values weigh more (seeded with the SMA, as TA-Lib).",
  20,
  (n) => new Ema(n),
  "overlay",
  ["exponential moving average", "moving average", "MA"],
  1,
  emaCode,
);
export const wma = periodIndicator("wma", "WMA", "Weighted moving average: linear weights, newest value weighs N.", 20, (n) => new Wma(n), "overlay", [
  "weighted moving average",
  "linear weighted moving average",
  "LWMA",
  "moving average",
]);
export const rsi = periodIndicator(
  "rsi",
  "RSI",
  "Relative strength index (Wilder), 0–100: above 70 overbought, below 30 oversold.",
  14,
  (n) => new Rsi(n),
  "pane",
  ["relative strength index", "wilder", "overbought", "oversold"],
  2, // TA-Lib's minimum: one change is no average
  rsiCode,
);
export const roc = periodIndicator("roc", "ROC", "Rate of change in % over N bars.", 10, (n) => new Roc(n), "pane", ["rate of change", "momentum"]);
export const highest = periodIndicator("highest", "Highest", "The highest value over the last N bars (including this one).", 20, (n) => new Highest(n), "overlay", ["max", "maximum", "high"]);
export const lowest = periodIndicator("lowest", "Lowest", "The lowest value over the last N bars (including this one).", 20, (n) => new Lowest(n), "overlay", ["min", "minimum", "low"]);

export const macd = defineBlock({
  kind: "macd",
  label: "MACD",
  category: "indicator",
  help: "Moving average convergence/divergence: fast EMA minus slow EMA, its signal EMA and the histogram.",
  aliases: ["moving average convergence divergence"],
  inputs: [source],
  outputs: [
    { name: "macd", label: "MACD", type: "series" },
    { name: "signal", label: "Signal", type: "series" },
    { name: "hist", label: "Histogram", type: "series" },
  ],
  params: z.strictObject({ fast: period(12, "Fast period", 2), slow: period(26, "Slow period", 2), signal: period(9, "Signal period") }),
  role: "compute",
  chart: "pane",
  emit: (p, { inputs: [x], outputs: [m, s, h], keep }) => {
    const k = keep(new Macd(p.fast, p.slow, p.signal));
    return `${k}.update(${x}); const ${m} = ${k}.macd, ${s} = ${k}.signal, ${h} = ${k}.hist;`;
  },
});

export const bbands = defineBlock({
  kind: "bbands",
  label: "Bollinger Bands",
  category: "indicator",
  help: "SMA ± K population standard deviations over N bars.",
  aliases: ["BB", "bollinger", "bands", "BBANDS"],
  inputs: [source],
  outputs: [
    { name: "upper", label: "Upper", type: "series" },
    { name: "middle", label: "Middle", type: "series" },
    { name: "lower", label: "Lower", type: "series" },
  ],
  params: z.strictObject({
    period: period(20),
    mult: numParam({ label: "Deviations", help: "Width of the bands in standard deviations" }, 2, 0.1, 10),
  }),
  role: "compute",
  chart: "overlay",
  emit: (p, { inputs: [x], outputs: [u, m, l], keep }) => {
    const k = keep(new Bbands(p.period, p.mult));
    return `${k}.update(${x}); const ${u} = ${k}.upper, ${m} = ${k}.middle, ${l} = ${k}.lower;`;
  },
});

export const atr = defineBlock({
  kind: "atr",
  label: "ATR",
  category: "indicator",
  help: "Average true range (Wilder): how much the price moves per bar, in price units.",
  aliases: ["average true range", "volatility"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({ period: period(14) }),
  role: "compute",
  chart: "pane",
  emit: (p, { outputs: [out], keep }) => `const ${out} = ${keep(new Atr(p.period))}.update(${HLC});`,
});

export const stoch = defineBlock({
  kind: "stoch",
  label: "Stochastic",
  category: "indicator",
  help: "Where the close sits in the recent high–low range, 0–100: slow %K and its average %D.",
  aliases: ["stochastic oscillator", "stoch", "%K", "%D", "KD"],
  inputs: [],
  outputs: [
    { name: "k", label: "%K", type: "series" },
    { name: "d", label: "%D", type: "series" },
  ],
  params: z.strictObject({
    kPeriod: period(14, "%K period"),
    kSmooth: period(3, "%K smoothing"),
    dPeriod: period(3, "%D period"),
  }),
  role: "compute",
  chart: "pane",
  emit: (p, { outputs: [k, d], keep }) => {
    const s = keep(new Stoch(p.kPeriod, p.kSmooth, p.dPeriod));
    return `${s}.update(${HLC}); const ${k} = ${s}.k, ${d} = ${s}.d;`;
  },
});

export const adx = defineBlock({
  kind: "adx",
  label: "ADX",
  category: "indicator",
  help: "Average directional index (Wilder), 0–100: trend strength regardless of direction.",
  aliases: ["average directional index", "DMI", "trend strength"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({ period: period(14, "Period", 2) }),
  role: "compute",
  chart: "pane",
  emit: (p, { outputs: [out], keep }) => `const ${out} = ${keep(new Adx(p.period))}.update(${HLC});`,
});

export const obv = defineBlock({
  kind: "obv",
  label: "OBV",
  category: "indicator",
  help: "On-balance volume: volume added on up closes, subtracted on down closes.",
  aliases: ["on-balance volume", "on balance volume"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({}),
  role: "compute",
  chart: "pane",
  emit: (_p, { outputs: [out], keep }) => `const ${out} = ${keep(new Obv())}.update(${BAR_VARS.close}, ${BAR_VARS.volume});`,
});

export const vwap = defineBlock({
  kind: "vwap",
  label: "VWAP",
  category: "indicator",
  help: "Volume-weighted average price: per UTC day (session) or over the last N bars (rolling).",
  aliases: ["volume weighted average price"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({
    mode: enumParam({ label: "Mode", help: "Session resets at 00:00 UTC; rolling uses the last N bars" }, ["session", "rolling"], "session"),
    period: intParam({ label: "Period", help: "Bars in the rolling window (rolling mode only)" }, 20, 1, 5000),
  }),
  role: "compute",
  chart: "overlay",
  emit: (p, { outputs: [out], keep }) => {
    const { time, high, low, close, volume } = BAR_VARS;
    return `const ${out} = ${keep(new Vwap(p.mode, p.period))}.update(${time}, ${high}, ${low}, ${close}, ${volume});`;
  },
});
