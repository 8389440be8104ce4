import { z } from "zod";
import { defineBlock } from "./types";
import { enumParam, numParam } from "./params";
import { SLOT_CLOSE, SLOT_HIGH, SLOT_LOW, SLOT_OPEN, SLOT_VOLUME } from "./slots";

const FIELDS = ["close", "open", "high", "low", "volume", "hl2", "hlc3", "ohlc4"] as const;
const DIRECT: Partial<Record<(typeof FIELDS)[number], number>> = {
  open: SLOT_OPEN,
  high: SLOT_HIGH,
  low: SLOT_LOW,
  close: SLOT_CLOSE,
  volume: SLOT_VOLUME,
};

export const price = defineBlock({
  kind: "price",
  label: "Price",
  category: "source",
  help: "A price of each closed candle: open, high, low, close, volume or an average such as hlc3.",
  inputs: [],
  outputs: [{ name: "value", label: "Value", type: "series" }],
  params: z.strictObject({
    field: enumParam({ label: "Field", help: "Which value of the candle to use" }, FIELDS, "close"),
  }),
  role: "compute",
  alias: (p) => {
    const slot = DIRECT[p.field];
    return slot === undefined ? undefined : [slot];
  },
  build: (p, { v, outputs: [out] }) => {
    const o = out!;
    switch (p.field) {
      case "hl2":
        return () => {
          v[o] = (v[SLOT_HIGH]! + v[SLOT_LOW]!) / 2;
        };
      case "hlc3":
        return () => {
          v[o] = (v[SLOT_HIGH]! + v[SLOT_LOW]! + v[SLOT_CLOSE]!) / 3;
        };
      case "ohlc4":
        return () => {
          v[o] = (v[SLOT_OPEN]! + v[SLOT_HIGH]! + v[SLOT_LOW]! + v[SLOT_CLOSE]!) / 4;
        };
      default:
        throw new Error(`price field ${p.field} is aliased, not built`);
    }
  },
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
  build: (p, { v, outputs: [out] }) => {
    const o = out!;
    const value = p.value;
    return () => {
      v[o] = value;
    };
  },
});
