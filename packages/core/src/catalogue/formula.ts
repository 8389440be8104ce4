import { z } from "zod";
import { FORMULA_MAX_LENGTH, FORMULA_VARIABLES, formulaVariables, parseFormula, type FormulaFunction, type FormulaNode } from "../formula/parse";
import { num, TIE_REL } from "./emit";
import { numParam } from "./params";
import { defineBlock, type PortDef } from "./types";

/**
 * What emitted formula code calls. Comparisons use the same tolerance as the comparison blocks
 * (emit.ts: A is above B only beyond 1e-12 relative) and give 1, 0, or NaN when an operand is NaN
 * (warming up); division by zero gives NaN like the Divide block.
 */
export const FORMULA_OPS = Object.freeze({
  gt: (x: number, y: number): number => (x - y > TIE_REL * Math.max(Math.abs(x), Math.abs(y)) ? 1 : (x + y) * 0),
  ge: (x: number, y: number): number => (y - x <= TIE_REL * Math.max(Math.abs(x), Math.abs(y)) ? 1 : (x + y) * 0),
  eq: (x: number, y: number): number => (Math.abs(x - y) <= TIE_REL * Math.max(Math.abs(x), Math.abs(y)) ? 1 : (x + y) * 0),
  ne: (x: number, y: number): number => (Math.abs(x - y) <= TIE_REL * Math.max(Math.abs(x), Math.abs(y)) ? 0 : (x + y) * 0 + 1),
  div: (x: number, y: number): number => (y === 0 ? NaN : x / y),
});

const MATH: Record<FormulaFunction, string> = { abs: "Math.abs", sqrt: "Math.sqrt", log: "Math.log", min: "Math.min", max: "Math.max" };

/**
 * JavaScript for a parsed formula. Only the tree shapes code: numbers go through `num`, inputs are
 * the compiler's own variable names or literals, operators and functions come from fixed tables,
 * so no text the person typed reaches the generated function.
 *
 * @param inputs the expression of each input, in FORMULA_VARIABLES order
 * @param ops the name the compiled program keeps FORMULA_OPS under
 */
export function formulaCode(tree: FormulaNode, inputs: readonly string[], ops: string): string {
  const go = (n: FormulaNode): string => {
    switch (n.type) {
      case "number":
        return num(n.value);
      case "variable":
        return `(${inputs[FORMULA_VARIABLES.indexOf(n.name)]!})`;
      case "negate":
        return `(-${go(n.arg)})`;
      case "binary":
        if (n.op === "/") return `${ops}.div(${go(n.left)}, ${go(n.right)})`;
        if (n.op === "^") return `Math.pow(${go(n.left)}, ${go(n.right)})`;
        return `(${go(n.left)} ${n.op} ${go(n.right)})`;
      case "compare": {
        const [l, r] = [go(n.left), go(n.right)];
        if (n.op === ">") return `${ops}.gt(${l}, ${r})`;
        if (n.op === "<") return `${ops}.gt(${r}, ${l})`;
        if (n.op === ">=") return `${ops}.ge(${l}, ${r})`;
        if (n.op === "<=") return `${ops}.ge(${r}, ${l})`;
        return `${ops}.${n.op === "==" ? "eq" : "ne"}(${l}, ${r})`;
      }
      case "call":
        return `${MATH[n.fn]}(${n.args.map(go).join(", ")})`;
    }
  };
  return go(tree);
}

const expression = z
  .string()
  .max(FORMULA_MAX_LENGTH)
  .default("a - b")
  .superRefine((text, ctx) => {
    const parsed = parseFormula(text);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
  })
  .meta({ label: "Expression", help: "e.g. (a - b) / c, max(a, b), abs(a) > 2; + - * / ^, <, >, ==, abs, min, max, log, sqrt" });

const fallback = (name: string) =>
  numParam({ label: `${name.toUpperCase()} (if unconnected)`, help: `Used when nothing is connected to input ${name.toUpperCase()}` }, 0, -1e12, 1e12);

const inputs: PortDef[] = FORMULA_VARIABLES.map((v) => ({ name: v, label: v.toUpperCase(), type: "series", fallbackParam: v }));

export const formula = defineBlock({
  kind: "formula",
  label: "Formula",
  category: "math",
  help: "Computes an expression over inputs A–D, e.g. (a - b) / c. Value is the result (no value where it is undefined, e.g. ÷ 0); Signal is true where it is not 0, so connect it for a comparison such as a > b * 1.02.",
  aliases: ["expression", "calculate", "custom", "equation", "z-score"],
  inputs,
  outputs: [
    { name: "value", label: "Value", type: "series" },
    { name: "signal", label: "Signal", type: "signal" },
  ],
  params: z.strictObject({ expression, a: fallback("a"), b: fallback("b"), c: fallback("c"), d: fallback("d") }),
  role: "compute",
  chart: "pane",
  checkInputs: (p, connected) => {
    const parsed = parseFormula(p.expression);
    if (!parsed.ok) return [];
    const used = formulaVariables(parsed.tree);
    return FORMULA_VARIABLES.filter((v) => connected.has(v) && !used.has(v)).map((v) => ({
      port: v,
      message: `Formula does not use input ${v.toUpperCase()}: write ${v} in the formula, or remove the connection.`,
    }));
  },
  emit: (p, { inputs: ins, outputs: [value, signal], keep }) => {
    const parsed = parseFormula(p.expression);
    // The params were validated, so this cannot happen; refuse rather than emit anything else.
    if (!parsed.ok) throw new Error(`formula: ${parsed.message}`);
    const r = `${value}_r`;
    // Infinite results (log 0, overflow) become NaN: no condition should fire on them.
    return (
      `const ${r} = ${formulaCode(parsed.tree, ins, keep(FORMULA_OPS))}; ` +
      `const ${value} = ${r} - ${r} === 0 ? ${r} : NaN; ` +
      `const ${signal} = ${value} !== ${value} ? NaN : ${value} !== 0 ? 1 : 0;`
    );
  },
});
