import { z } from "zod";
import { defineBlock, type PortDef } from "./types";
import { enumParam, intParam, numParam } from "./params";

const order: PortDef = { name: "order", label: "Order", type: "order" };

function riskBlock(kind: string, label: string, help: string, def: number) {
  return defineBlock({
    kind,
    label,
    category: "risk",
    help,
    inputs: [order],
    outputs: [],
    params: z.strictObject({ pct: numParam({ label: "Percent", help: "Distance from the reference price, in %" }, def, 0.01, 99) }),
    role: "risk",
  });
}

export const stopLoss = riskBlock(
  "stopLoss",
  "Stop-loss %",
  "Sells if the price falls this % below the entry price (checked within each bar; a gap fills at the open).",
  5,
);
export const takeProfit = riskBlock(
  "takeProfit",
  "Take-profit %",
  "Sells if the price rises this % above the entry price (checked within each bar).",
  10,
);
export const trailingStop = riskBlock(
  "trailingStop",
  "Trailing stop %",
  "Sells if the price falls this % below the highest price since entry.",
  5,
);

/**
 * One step of a take-profit in several steps: sells part of the position when the price reaches
 * this % above the average entry price. Several may hang on one entry (each a step); a Take-profit %
 * beside them sells the rest. See docs/fills.md, "Scaling in and out".
 */
export const partialTakeProfit = defineBlock({
  kind: "partialTakeProfit",
  label: "Take part profit %",
  category: "risk",
  help: "Sells part of the position when the price rises this % above the average entry price; add several for a take-profit in steps.",
  aliases: ["scale out", "partial take profit", "take profit steps", "TP1"],
  inputs: [order],
  outputs: [],
  params: z.strictObject({
    pct: numParam({ label: "At % above entry", help: "Level above the average entry price, in %" }, 3, 0.01, 1000),
    sellPct: numParam({ label: "Sell % of position", help: "Share of what is held when the level is reached (100 sells all)" }, 50, 0.01, 100),
  }),
  role: "risk",
  manyPerEntry: true,
});

/**
 * Safety orders (DCA): buys more as the price falls, in steps below the first fill. Every level of
 * the position (stop, take-profit) then follows its average entry price.
 */
export const safetyOrders = defineBlock({
  kind: "safetyOrders",
  label: "Safety orders (DCA)",
  category: "risk",
  help: "Adds to the position up to N times as the price falls in steps below the first buy; stops and take-profits follow the average entry price.",
  aliases: ["DCA", "dollar cost averaging", "average down", "scale in", "pyramiding"],
  inputs: [order],
  outputs: [],
  params: z.strictObject({
    count: intParam({ label: "Orders", help: "How many times at most to add to the position" }, 3, 1, 50),
    stepPct: numParam({ label: "Step %", help: "Order k buys at first fill × (1 − k × step %)" }, 2, 0.01, 99),
    sizeMode: enumParam(
      { label: "Size as", help: "An amount of quote currency (e.g. USDT), a base quantity, or % of the cash left" },
      ["quote", "base", "percentCash"],
      "quote",
    ),
    size: numParam({ label: "Size", help: "How much the first safety order buys, in the unit chosen above (never more than the cash left)" }, 100, 1e-12, 1e15),
    scale: numParam({ label: "Size × per order", help: "Each order buys this many times the one before (1: all the same size)" }, 1, 0.1, 10),
  }),
  // The deepest order stays above zero; a size in % of the cash is at most all of it.
  limits: (p) => ({ stepPct: { max: Math.floor((99 / p.count) * 100) / 100 }, ...(p.sizeMode === "percentCash" ? { size: { max: 100 } } : {}) }),
  role: "risk",
});

/** A cap on the open position: an entry or a safety order buys only up to it. */
export const maxPosition = defineBlock({
  kind: "maxPosition",
  label: "Max position size",
  category: "risk",
  help: "Caps the position: an entry or safety order buys only up to this size (value at the entry prices, or a base quantity).",
  aliases: ["position limit", "max size", "cap"],
  inputs: [order],
  outputs: [],
  params: z.strictObject({
    mode: enumParam({ label: "Size as", help: "Quote currency spent on the position at its entry prices, or a base quantity" }, ["quote", "base"], "quote"),
    value: numParam({ label: "At most", help: "The largest position, in the unit chosen above" }, 1000, 1e-12, 1e15),
  }),
  role: "risk",
});
