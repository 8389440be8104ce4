import { z } from "zod";
import { defineBlock, type PortDef } from "./types";
import { enumParam, intParam, numParam } from "./params";

const when: PortDef = { name: "when", label: "When", type: "signal" };
const order: PortDef = { name: "order", label: "Order", type: "order" };

const sizeParams = {
  sizeMode: enumParam(
    { label: "Size as", help: "% of equity, an amount of quote currency (e.g. USDT), a base quantity, or the flow's default" },
    ["percentEquity", "quote", "base", "default"],
    "percentEquity",
  ),
  size: numParam({ label: "Size", help: "How much to buy, in the unit chosen above (never more than the cash available)" }, 100, 1e-12, 1e15),
};

/** A size in % of equity is at most all of it; quote and base amounts have only the schema's bounds. */
const sizeLimits = (p: { sizeMode: string }): Record<string, { max: number }> => (p.sizeMode === "percentEquity" ? { size: { max: 100 } } : {});

export const buy = defineBlock({
  kind: "buy",
  label: "Buy (market)",
  category: "action",
  help: "Opens a long position at the next bar's open when the signal is true and no position is open.",
  inputs: [when],
  outputs: [order],
  params: z.strictObject(sizeParams),
  limits: sizeLimits,
  role: "entry",
});

export const limitBuy = defineBlock({
  kind: "limitBuy",
  label: "Buy (limit)",
  category: "action",
  help: "Places a buy limit order below the close; it fills if a later bar trades down through the price.",
  inputs: [when],
  outputs: [order],
  params: z.strictObject({
    offsetPct: numParam({ label: "Below close %", help: "Limit price = close × (1 − offset %)" }, 0.5, 0, 99),
    validBars: intParam({ label: "Valid for bars", help: "Cancel the order if it has not filled after this many bars" }, 5, 1, 10000),
    // Optional with "through" meaning absent, so flows saved before the setting keep their spec hash.
    fill: z
      .enum(["through", "touch"])
      .optional()
      .meta({
        label: "Fills when",
        help: "through (default): a later bar trades below the limit, as a resting order behind others would. touch: a bar's low reaches it (backtesting.py)",
      }),
    ...sizeParams,
  }),
  limits: sizeLimits,
  role: "entry",
});

export const sell = defineBlock({
  kind: "sell",
  label: "Sell / close position",
  category: "action",
  help: "Closes the whole open position at the next bar's open when the signal is true.",
  inputs: [when],
  outputs: [],
  params: z.strictObject({}),
  role: "exit",
});
