// Bands, channels and trailing stop lines drawn over the price.
import { z } from "zod";
import { Donchian, Ichimoku, Keltner, Sar, SuperTrend } from "../indicators";
import { HLC } from "./indicators";
import { intParam, numParam, period } from "./params";
import { BAR_VARS, defineBlock } from "./types";

const HL = `${BAR_VARS.high}, ${BAR_VARS.low}`;
const bandOutputs = [
  { name: "upper", label: "Upper", type: "series" },
  { name: "middle", label: "Middle", type: "series" },
  { name: "lower", label: "Lower", type: "series" },
] as const;

export const keltner = defineBlock({
  kind: "keltner",
  label: "Keltner Channels",
  category: "indicator",
  help: "EMA of the close ± K × ATR: a volatility channel that is smoother than Bollinger Bands.",
  aliases: ["kc", "keltner", "atr bands"],
  inputs: [],
  outputs: bandOutputs,
  params: z.strictObject({
    period: period(20, "EMA period"),
    atrPeriod: period(10, "ATR period"),
    mult: numParam({ label: "ATR multiple", help: "Distance of the bands from the middle, in ATRs" }, 2, 0.1, 10),
  }),
  role: "compute",
  chart: "overlay",
  emit: (p, { outputs: [u, m, l], keep }) => {
    const k = keep(new Keltner(p.period, p.atrPeriod, p.mult));
    return `${k}.update(${HLC}); const ${u} = ${k}.upper, ${m} = ${k}.middle, ${l} = ${k}.lower;`;
  },
});

export const donchian = defineBlock({
  kind: "donchian",
  label: "Donchian Channels",
  category: "indicator",
  help: "Highest high and lowest low of the last N bars (this one included) and their midpoint; compare the close with the previous bar's channel for a breakout.",
  aliases: ["dc", "donchian", "price channel", "turtle", "breakout"],
  inputs: [],
  outputs: bandOutputs,
  params: z.strictObject({ period: period(20) }),
  role: "compute",
  chart: "overlay",
  emit: (p, { outputs: [u, m, l], keep }) => {
    const k = keep(new Donchian(p.period));
    return `${k}.update(${HL}); const ${u} = ${k}.upper, ${m} = ${k}.middle, ${l} = ${k}.lower;`;
  },
});

export const sar = defineBlock({
  kind: "sar",
  label: "Parabolic SAR",
  category: "indicator",
  help: "Wilder's stop-and-reverse: a trailing stop that speeds up with each new extreme and flips side when price crosses it (TA-Lib SAR). Long is 1 while the SAR is below the price.",
  aliases: ["SAR", "psar", "parabolic", "stop and reverse"],
  inputs: [],
  outputs: [
    { name: "value", label: "SAR", type: "series" },
    { name: "long", label: "Long", type: "signal" },
  ],
  params: z.strictObject({
    acceleration: numParam({ label: "Acceleration", help: "Step added to the acceleration factor on every new extreme" }, 0.02, 0.001, 1),
    maximum: numParam({ label: "Maximum", help: "Largest acceleration factor" }, 0.2, 0.001, 1),
  }),
  role: "compute",
  chart: "overlay",
  emit: (p, { outputs: [v, long], keep }) => {
    const k = keep(new Sar(p.acceleration, p.maximum));
    return `const ${v} = ${k}.update(${HL}); const ${long} = ${k}.long;`;
  },
});

export const superTrend = defineBlock({
  kind: "superTrend",
  label: "SuperTrend",
  category: "indicator",
  help: "A trend line K × ATR from the mid price that only moves in the trend's direction and flips when the close crosses it. Up is 1 in an uptrend.",
  aliases: ["supertrend", "super trend", "atr trailing stop"],
  inputs: [],
  outputs: [
    { name: "value", label: "Line", type: "series" },
    { name: "up", label: "Uptrend", type: "signal" },
  ],
  params: z.strictObject({
    atrPeriod: period(10, "ATR period"),
    mult: numParam({ label: "ATR multiple", help: "Distance of the line from the mid price, in ATRs" }, 3, 0.1, 20),
  }),
  role: "compute",
  chart: "overlay",
  emit: (p, { outputs: [v, up], keep }) => {
    const k = keep(new SuperTrend(p.atrPeriod, p.mult));
    return `const ${v} = ${k}.update(${HLC}); const ${up} = ${k}.up;`;
  },
});

export const ichimoku = defineBlock({
  kind: "ichimoku",
  label: "Ichimoku Cloud",
  category: "indicator",
  help: "Tenkan and kijun lines; spans A and B as computed on this bar (a chart draws them ahead); Cloud A/B are the spans of `displacement` bars ago, the cloud under this bar. Nothing reads the future.",
  aliases: ["ichimoku kinko hyo", "kumo", "cloud", "tenkan", "kijun", "senkou"],
  inputs: [],
  outputs: [
    { name: "tenkan", label: "Tenkan", type: "series" },
    { name: "kijun", label: "Kijun", type: "series" },
    { name: "spanA", label: "Span A (now)", type: "series" },
    { name: "spanB", label: "Span B (now)", type: "series" },
    { name: "cloudA", label: "Cloud A", type: "series" },
    { name: "cloudB", label: "Cloud B", type: "series" },
  ],
  params: z.strictObject({
    tenkanPeriod: period(9, "Tenkan period"),
    kijunPeriod: period(26, "Kijun period"),
    spanBPeriod: period(52, "Span B period"),
    displacement: intParam({ label: "Displacement", help: "Bars a chart shifts the spans ahead (TradingView draws 26 as 25)" }, 26, 1, 5000),
  }),
  role: "compute",
  chart: "overlay",
  emit: (p, { outputs: [t, k, a, b, ca, cb], keep }) => {
    const s = keep(new Ichimoku(p.tenkanPeriod, p.kijunPeriod, p.spanBPeriod, p.displacement));
    return `${s}.update(${HL}); const ${t} = ${s}.tenkan, ${k} = ${s}.kijun, ${a} = ${s}.spanA, ${b} = ${s}.spanB, ${ca} = ${s}.cloudA, ${cb} = ${s}.cloudB;`;
  },
});
