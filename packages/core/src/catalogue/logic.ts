import { z } from "zod";
import { defineBlock, type PortDef } from "./types";

// Three-valued logic: NaN means "not known yet" (warm-up). `false AND unknown` is false,
// `true OR unknown` is true; anything else involving unknown stays unknown.
const a: PortDef = { name: "a", label: "A", type: "signal" };
const b: PortDef = { name: "b", label: "B", type: "signal" };
const out: PortDef = { name: "signal", label: "Signal", type: "signal" };

export const and = defineBlock({
  kind: "and",
  label: "And",
  category: "logic",
  help: "True when both A and B are true.",
  inputs: [a, b],
  outputs: [out],
  params: z.strictObject({}),
  role: "compute",
  emit: (_p, { inputs: [p, q], outputs: [out] }) => `const ${out} = ${p} === 0 || ${q} === 0 ? 0 : ${p} === 1 && ${q} === 1 ? 1 : NaN;`,
});

export const or = defineBlock({
  kind: "or",
  label: "Or",
  category: "logic",
  help: "True when A or B (or both) is true.",
  inputs: [a, b],
  outputs: [out],
  params: z.strictObject({}),
  role: "compute",
  emit: (_p, { inputs: [p, q], outputs: [out] }) => `const ${out} = ${p} === 1 || ${q} === 1 ? 1 : ${p} === 0 && ${q} === 0 ? 0 : NaN;`,
});

export const not = defineBlock({
  kind: "not",
  label: "Not",
  category: "logic",
  help: "True when A is false.",
  inputs: [a],
  outputs: [out],
  params: z.strictObject({}),
  role: "compute",
  emit: (_p, { inputs: [p], outputs: [out] }) => `const ${out} = ${p} === 1 ? 0 : ${p} === 0 ? 1 : NaN;`,
});
