// Oscillators and statistics of recent bars, drawn in their own pane.
import { z } from "zod";
import { Cci, Cmf, LinRegSlope, Mfi, PercentRank, StdDev, StochRsi, WillR } from "../indicators";
import { HLC, periodIndicator, source, value } from "./indicators";
import { period } from "./params";
import { BAR_VARS, defineBlock } from "./types";

const HLCV = `${HLC}, ${BAR_VARS.volume}`;

export const cci = defineBlock({
  kind: "cci",
  label: "CCI",
  category: "indicator",
  help: "Commodity channel index: distance of the typical price from its mean in units of mean deviation; ±100 are the usual levels (TA-Lib CCI).",
  aliases: ["commodity channel index"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({ period: period(20, "Period", 2) }),
  role: "compute",
  chart: "pane",
  emit: (p, { outputs: [out], keep }) => `const ${out} = ${keep(new Cci(p.period))}.update(${HLC});`,
});

export const mfi = defineBlock({
  kind: "mfi",
  label: "MFI",
  category: "indicator",
  help: "Money flow index, 0–100: an RSI of price × volume; above 80 overbought, below 20 oversold (TA-Lib MFI).",
  aliases: ["money flow index", "volume rsi"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({ period: period(14, "Period", 2) }),
  role: "compute",
  chart: "pane",
  emit: (p, { outputs: [out], keep }) => `const ${out} = ${keep(new Mfi(p.period))}.update(${HLCV});`,
});

export const willr = defineBlock({
  kind: "willr",
  label: "Williams %R",
  category: "indicator",
  help: "Where the close sits in the high–low range of N bars, from −100 (at the low) to 0 (at the high); above −20 overbought, below −80 oversold (TA-Lib WILLR).",
  aliases: ["%R", "williams percent range", "williams r", "willr"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({ period: period(14, "Period", 2) }),
  role: "compute",
  chart: "pane",
  emit: (p, { outputs: [out], keep }) => `const ${out} = ${keep(new WillR(p.period))}.update(${HLC});`,
});

export const stochRsi = defineBlock({
  kind: "stochRsi",
  label: "Stochastic RSI",
  category: "indicator",
  help: "The stochastic of the RSI, 0–100: where the RSI sits in its own recent range; %K and its average %D (TA-Lib STOCHRSI).",
  aliases: ["stochrsi", "stoch rsi", "srsi"],
  inputs: [source],
  outputs: [
    { name: "k", label: "%K", type: "series" },
    { name: "d", label: "%D", type: "series" },
  ],
  params: z.strictObject({
    rsiPeriod: period(14, "RSI period", 2),
    kPeriod: period(14, "%K period"),
    dPeriod: period(3, "%D period"),
  }),
  role: "compute",
  chart: "pane",
  emit: (p, { inputs: [x], outputs: [k, d], keep }) => {
    const s = keep(new StochRsi(p.rsiPeriod, p.kPeriod, p.dPeriod));
    return `${s}.update(${x}); const ${k} = ${s}.k, ${d} = ${s}.d;`;
  },
});

export const cmf = defineBlock({
  kind: "cmf",
  label: "Chaikin Money Flow",
  category: "indicator",
  help: "Volume-weighted close location over N bars, −1 to +1: above 0 buying pressure, below 0 selling pressure.",
  aliases: ["cmf", "chaikin", "money flow"],
  inputs: [],
  outputs: [value],
  params: z.strictObject({ period: period(20) }),
  role: "compute",
  chart: "pane",
  emit: (p, { outputs: [out], keep }) => `const ${out} = ${keep(new Cmf(p.period))}.update(${HLCV});`,
});

export const stdDev = periodIndicator(
  "stdDev",
  "Std deviation",
  "Population standard deviation of the last N values, in the input's units (TA-Lib STDDEV).",
  20,
  (n) => new StdDev(n),
  "pane",
  ["standard deviation", "stddev", "sd", "volatility", "sigma"],
);

export const linRegSlope = periodIndicator(
  "linRegSlope",
  "Linear regression slope",
  "Slope per bar of the least-squares line through the last N values: above 0 the fit rises (TA-Lib LINEARREG_SLOPE).",
  14,
  (n) => new LinRegSlope(n),
  "pane",
  ["linreg", "linear regression", "regression slope", "slope", "trend"],
  2,
);

export const percentRank = periodIndicator(
  "percentRank",
  "Percent rank",
  "Percentage of the previous N values at or below the current one, 0–100.",
  100,
  (n) => new PercentRank(n),
  "pane",
  ["percentrank", "percentile", "rank"],
);
