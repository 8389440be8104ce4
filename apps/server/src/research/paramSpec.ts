import type { FlowGraph, ParamRange } from "@keyflow/core";

/**
 * `fast.period=5..14`, `fast.period=5..14:3` or `fast.period=5,8,13`: a range for the param
 * `period` of the node `fast`. Returns the flow with it set, or a message that says what is wrong.
 */
export function applyParamSpec(flow: FlowGraph, spec: string): { ok: true; flow: FlowGraph } | { ok: false; error: string } {
  const m = /^([A-Za-z0-9_.:-]+)\.([A-Za-z0-9_]+)=(.+)$/.exec(spec.trim());
  if (!m) return { ok: false, error: `--param "${spec}": write it as <node>.<setting>=<from>..<to>[:step] or <node>.<setting>=a,b,c (e.g. fast.period=5..14).` };
  const [, nodeId, param, value] = m as unknown as [string, string, string, string];
  const node = flow.nodes.find((n) => n.id === nodeId);
  if (!node) return { ok: false, error: `--param "${spec}": the flow has no block "${nodeId}" (it has ${flow.nodes.map((n) => n.id).join(", ")}).` };
  const range = parseRange(value);
  if (!range) return { ok: false, error: `--param "${spec}": "${value}" is neither from..to[:step] nor a list of numbers.` };
  return { ok: true, flow: { ...flow, nodes: flow.nodes.map((n) => (n === node ? { ...n, ranges: { ...n.ranges, [param]: range } } : n)) } };
}

function parseRange(text: string): ParamRange | null {
  const r = /^(-?[\d.]+)\.\.(-?[\d.]+)(?::([\d.]+))?$/.exec(text);
  if (r) {
    const [from, to, step] = [Number(r[1]), Number(r[2]), r[3] === undefined ? 1 : Number(r[3])];
    return [from, to, step].every(Number.isFinite) && step > 0 ? { from, to, step } : null;
  }
  const values = text.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
  return values.every(Number.isFinite) ? { values } : null;
}

/** `fast.period=12`: a fixed value for one run (Monte Carlo of a chosen combination). */
export function applyParamValue(flow: FlowGraph, spec: string): { ok: true; flow: FlowGraph } | { ok: false; error: string } {
  const m = /^([A-Za-z0-9_.:-]+)\.([A-Za-z0-9_]+)=(-?[\d.]+)$/.exec(spec.trim());
  if (!m) return { ok: false, error: `--param "${spec}": write it as <node>.<setting>=<value> (e.g. fast.period=12).` };
  const [, nodeId, param, value] = m as unknown as [string, string, string, string];
  if (!flow.nodes.some((n) => n.id === nodeId)) return { ok: false, error: `--param "${spec}": the flow has no block "${nodeId}".` };
  return { ok: true, flow: { ...flow, nodes: flow.nodes.map((n) => (n.id === nodeId ? { ...n, params: { ...n.params, [param]: Number(value) } } : n)) } };
}
