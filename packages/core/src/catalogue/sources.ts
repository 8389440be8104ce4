import { z } from "zod";
import { BAR_VARS, defineBlock } from "./types";
import { enumParam, numParam } from "./params";
import { num } from "./emit";

const { open: o, high: h, low: l, close: c, volume: v } = BAR_VARS;
const FIELDS = {
  close: c,
  open: o,
  high: h,
  low: l,
  volume: v,
  hl2: `(${h} + ${l}) / 2`,
  hlc3: `(${h} + ${l} + ${c}) / 3`,
  ohlc4: `(${o} + ${h} + ${l} + ${c}) / 4`,
} as const;
const FIELD_NAMES = Object.keys(FIELDS) as [keyof typeof FIELDS, ...(keyof typeof FIELDS)[]];

export const price = defineBlock({
  kind: "price",
  label: "Price",
  category: "source",
  help: "A price of each closed candle: open, high, low, close, volume or an average such as hlc3.",
  inputs: [],
  outputs: [{ name: "value", label: "Value", type: "series" }],
  params: z.strictObject({
    field: enumParam({ label: "Field", help: "Which value of the candle to use" }, FIELD_NAMES, "close"),
  }),
  role: "compute",
  emit: (p, { outputs: [out] }) => `const ${out} = ${FIELDS[p.field]};`,
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
  emit: (p, { outputs: [out] }) => `const ${out} = ${num(p.value)};`,
});
