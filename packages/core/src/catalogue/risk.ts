import { z } from "zod";
import { defineBlock, type PortDef } from "./types";
import { numParam } from "./params";

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
