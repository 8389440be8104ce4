import { z } from "zod";
import { BAR_VARS, defineBlock, type CandleVars } from "./types";
import { enumParam, numParam } from "./params";

const FIELD_NAMES = ["close", "open", "high", "low", "volume", "hl2", "hlc3", "ohlc4"] as const;

/** A field of a candle as code over the variables that hold the candle. */
function field(name: (typeof FIELD_NAMES)[number], { open: o, high: h, low: l, close: c, volume: v }: CandleVars): string {
  switch (name) {
    case "close":
      return c;
    case "open":
      return o;
    case "high":
      return h;
    case "low":
      return l;
    case "volume":
      return v;
    case "hl2":
      return `(${h} + ${l}) / 2`;
    case "hlc3":
      return `(${h} + ${l} + ${c}) / 3`;
    case "ohlc4":
      return `(${o} + ${h} + ${l} + ${c}) / 4`;
  }
}

/**
 * Timeframes a source can read besides the flow's own ("flow"). The compiler checks that the one
 * picked is higher than the flow's and a whole multiple of it.
 */
export const SOURCE_TIMEFRAMES = ["flow", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w"] as const;

export const price = defineBlock({
  kind: "price",
  label: "Price",
  category: "source",
  help: "A price of each closed candle: open, high, low, close, volume or an average such as hlc3 — of the flow's timeframe or of a higher one (e.g. 4h in a 15m flow).",
  aliases: ["candle", "close", "open", "high", "low", "volume", "higher timeframe", "multi timeframe", "mtf", "htf"],
  inputs: [],
  outputs: [{ name: "value", label: "Value", type: "series" }],
  params: z.strictObject({
    field: enumParam({ label: "Field", help: "Which value of the candle to use" }, FIELD_NAMES, "close"),
    // Optional, not defaulted: flows saved before it existed compile to the same spec (same hash).
    timeframe: z
      .enum(SOURCE_TIMEFRAMES)
      .optional()
      .meta({
        label: "Timeframe",
        help: "Read a higher timeframe's candles (built from the flow's own). A higher candle counts only once it has closed; until then the last closed one is used.",
      }),
  }),
  role: "compute",
  emit: (p, { outputs: [out], higher }) =>
    `const ${out} = ${field(p.field, p.timeframe === undefined || p.timeframe === "flow" ? BAR_VARS : higher(p.timeframe))};`,
});

export const constant = defineBlock({
  kind: "constant",
  label: "Number",
  category: "source",
  help: "A fixed number, e.g. 30 to compare RSI against.",
  inputs: [],
  outputs: [{ name: "value", label: "Value", type: "series" }],
  params: z.strictObject({
    value: numParam({ label: "Value", help: "The number this block outputs on every bar" }, 0, -1e12, 1e12),
  }),
  role: "compute",
  emit: (p, { outputs: [out], constant }) => `const ${out} = ${constant(p.value)};`,
});
