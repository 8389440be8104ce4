import { z } from "zod";
import { defineBlock, type PortDef } from "./types";
import { intParam, numParam } from "./params";
import { above, notAbove, signal as signalOf } from "./emit";
import { Streak } from "../indicators";

// Signals are 1 (true), 0 (false) or NaN (not known yet: an input is still warming up).
// Only a signal equal to 1 ever makes an action fire. Values within rounding noise of each other
// compare as equal (see TIE_REL in emit.ts).

const a: PortDef = { name: "a", label: "A", type: "series" };
const b: PortDef = { name: "b", label: "B", type: "series", fallbackParam: "value" };
const signal: PortDef = { name: "signal", label: "Signal", type: "signal" };
const bParams = (def: number) =>
  z.strictObject({
    value: numParam({ label: "B (if unconnected)", help: "Compare against this number when nothing is connected to B" }, def, -1e12, 1e12),
  });

// A cross starts from equality by default, as TradingView's ta.crossover: A above B now, at or below
// it on the bar before. `strict` (absent from older flows, so their spec hash is unchanged) asks for
// strictly below on the bar before, as backtesting.py's crossover. See docs/fills.md.
const crossParams = (up: boolean) =>
  bParams(0).extend({
    strict: z
      .boolean()
      .optional()
      .meta({
        label: up ? "Only from strictly below" : "Only from strictly above",
        help: up
          ? "Off: A at or below B on the bar before counts (TradingView's ta.crossover). On: A must have been below B (backtesting.py's crossover)."
          : "Off: A at or above B on the bar before counts (TradingView's ta.crossunder). On: A must have been above B (backtesting.py's crossover).",
      }),
  });

function cross(kind: string, label: string, help: string, up: boolean) {
  return defineBlock({
    kind,
    label,
    category: "condition",
    help,
    inputs: [a, b],
    outputs: [signal],
    params: crossParams(up),
    role: "compute",
    emit: (p, { inputs: [x, y], outputs: [out], state }) => {
      const pa = state(NaN);
      const pb = state(NaN);
      // Before: at or below (or strictly below) for a cross above; mirrored for a cross below.
      const before = up ? (p.strict ? above(pb, pa) : notAbove(pa, pb)) : p.strict ? above(pa, pb) : notAbove(pb, pa);
      const crossed = `${before} && ${up ? above(x!, y!) : above(y!, x!)}`;
      return `const ${out} = ${signalOf(crossed, x!, y!, pa, pb)}; ${pa} = ${x}; ${pb} = ${y};`;
    },
  });
}

export const crossAbove = cross("crossAbove", "Crosses above", "True on the bar where A moves from at or below B to above B.", true);
export const crossBelow = cross("crossBelow", "Crosses below", "True on the bar where A moves from at or above B to below B.", false);

function compare(kind: string, label: string, help: string, greater: boolean) {
  return defineBlock({
    kind,
    label,
    category: "condition",
    help,
    inputs: [a, b],
    outputs: [signal],
    params: bParams(0),
    role: "compute",
    emit: (_p, { inputs: [x, y], outputs: [out] }) =>
      `const ${out} = ${signalOf(greater ? above(x!, y!) : above(y!, x!), x!, y!)};`,
  });
}

export const greaterThan = compare("greaterThan", "Greater than", "True while A is above B (a series or a number).", true);
export const lessThan = compare("lessThan", "Less than", "True while A is below B (a series or a number).", false);

export const between = defineBlock({
  kind: "between",
  label: "Between",
  category: "condition",
  help: "True while Low ≤ A ≤ High.",
  inputs: [
    { name: "a", label: "A", type: "series" },
    { name: "low", label: "Low", type: "series", fallbackParam: "low" },
    { name: "high", label: "High", type: "series", fallbackParam: "high" },
  ],
  outputs: [signal],
  params: z.strictObject({
    low: numParam({ label: "Low (if unconnected)", help: "Lower bound when nothing is connected to Low" }, 30, -1e12, 1e12),
    high: numParam({ label: "High (if unconnected)", help: "Upper bound when nothing is connected to High" }, 70, -1e12, 1e12),
  }),
  role: "compute",
  emit: (_p, { inputs: [x, lo, hi], outputs: [out] }) =>
    `const ${out} = ${signalOf(`${notAbove(lo!, x!)} && ${notAbove(x!, hi!)}`, x!, lo!, hi!)};`,
});

function trend(kind: string, label: string, help: string, up: boolean) {
  return defineBlock({
    kind,
    label,
    category: "condition",
    help,
    inputs: [{ name: "source", label: "Source", type: "series" }],
    outputs: [signal],
    params: z.strictObject({ bars: intParam({ label: "Bars", help: "How many consecutive bars" }, 3, 1, 1000) }),
    role: "compute",
    emit: (p, { inputs: [x], outputs: [out], keep }) => `const ${out} = ${keep(new Streak(p.bars, up))}.update(${x});`,
  });
}

export const rising = trend("rising", "Rising", "True when the input rose on each of the last N bars.", true);
export const falling = trend("falling", "Falling", "True when the input fell on each of the last N bars.", false);
