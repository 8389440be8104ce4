import { z } from "zod";
import { defineBlock, type PortDef } from "./types";
import { intParam, numParam } from "./params";
import { Delay } from "../indicators";

const a: PortDef = { name: "a", label: "A", type: "series" };
const b: PortDef = { name: "b", label: "B", type: "series", fallbackParam: "value" };
const result: PortDef = { name: "value", label: "Result", type: "series" };

function binary(kind: string, label: string, help: string, expr: (x: string, y: string) => string, def = 0) {
  return defineBlock({
    kind,
    label,
    category: "math",
    help,
    inputs: [a, b],
    outputs: [result],
    params: z.strictObject({
      value: numParam({ label: "B (if unconnected)", help: "Used when nothing is connected to input B" }, def, -1e12, 1e12),
    }),
    role: "compute",
    emit: (_p, { inputs: [x, y], outputs: [out] }) => `const ${out} = ${expr(x!, y!)};`,
  });
}

export const add = binary("add", "Add", "A + B.", (x, y) => `${x} + ${y}`);
export const subtract = binary("subtract", "Subtract", "A − B.", (x, y) => `${x} - ${y}`);
export const multiply = binary("multiply", "Multiply", "A × B.", (x, y) => `${x} * ${y}`, 1);
// Division by zero has no meaningful value: NaN keeps every condition on it from firing.
export const divide = binary("divide", "Divide", "A ÷ B (no value where B is 0).", (x, y) => `${y} === 0 ? NaN : ${x} / ${y}`, 1);

export const offset = defineBlock({
  kind: "offset",
  label: "Bars ago",
  category: "math",
  help: "The value of the input N bars ago (no value for the first N bars).",
  inputs: [{ name: "source", label: "Source", type: "series" }],
  outputs: [result],
  params: z.strictObject({ bars: intParam({ label: "Bars ago", help: "How many bars back" }, 1, 1, 5000) }),
  role: "compute",
  emit: (p, { inputs: [x], outputs: [out], keep }) => `const ${out} = ${keep(new Delay(p.bars))}.update(${x});`,
});
