import { paramFieldsOf } from "../catalogue/paramFields";
import { mulberry32 } from "../data/demo";
import type { FlowGraph, ParamRange } from "../flow/schema";

/** Above this many combinations a grid is refused: it would run for hours and overfit anyway. */
export const GRID_LIMIT = 100_000;

/** One swept param: addressed as `<nodeId>.<param>`, with the values it takes. */
export interface SweepParam {
  nodeId: string;
  param: string;
  values: number[];
}

/** A combination: one value per swept param, in the order of the params. */
export type Combo = number[];

export const paramKey = (p: Pick<SweepParam, "nodeId" | "param">) => `${p.nodeId}.${p.param}`;

/** A combination as `{ "fast.period": 12, … }`. */
export function namedCombo(params: readonly SweepParam[], combo: readonly number[]): Record<string, number> {
  return Object.fromEntries(params.map((p, j) => [paramKey(p), combo[j]!]));
}

/** The values of a range. Steps are counted, not added, so 0.1 steps do not drift. */
export function rangeValues(range: ParamRange): number[] {
  if ("values" in range) return [...new Set(range.values)];
  const { from, to, step } = range;
  if (to < from) return [];
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (count > GRID_LIMIT) return [];
  const decimals = Math.max(decimalsOf(from), decimalsOf(step));
  return Array.from({ length: count }, (_, k) => Number((from + k * step).toFixed(decimals)));
}

function decimalsOf(x: number): number {
  const s = String(x);
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : Math.min(12, s.length - dot - 1);
}

export type SpaceResult = { ok: true; params: SweepParam[] } | { ok: false; errors: string[] };

/** The swept params of a flow (its nodes' `ranges`), checked against each block's params. */
export function sweepSpace(flow: FlowGraph): SpaceResult {
  const params: SweepParam[] = [];
  const errors: string[] = [];
  for (const node of flow.nodes) {
    for (const [param, range] of Object.entries(node.ranges ?? {})) {
      const field = paramFieldsOf(node.kind).find((f) => f.key === param);
      const where = `${node.id}.${param}`;
      if (!field || field.kind !== "number") {
        errors.push(`${where}: only number settings can be swept; remove this range.`);
        continue;
      }
      const values = rangeValues(range);
      if (values.length === 0) {
        errors.push(`${where}: the range has no values — "from" must not be above "to".`);
        continue;
      }
      const bad = values.find((v) => (field.min !== undefined && v < field.min) || (field.max !== undefined && v > field.max) || (field.integer && !Number.isInteger(v)));
      if (bad !== undefined) {
        errors.push(`${where}: ${bad} is not a valid ${field.label} (${field.integer ? "whole numbers " : ""}${field.min ?? "−∞"} to ${field.max ?? "∞"}); change the range.`);
        continue;
      }
      params.push({ nodeId: node.id, param, values });
    }
  }
  if (errors.length) return { ok: false, errors };
  if (params.length === 0) return { ok: false, errors: ["Nothing to sweep: make at least one number setting a range."] };
  return { ok: true, params };
}

/** How many combinations a grid over these params has. */
export function gridSize(params: readonly SweepParam[]): number {
  return params.reduce((n, p) => n * p.values.length, 1);
}

/** The k-th grid combination (the last param varies fastest). */
export function gridCombo(params: readonly SweepParam[], k: number): Combo {
  const combo = new Array<number>(params.length);
  for (let j = params.length - 1; j >= 0; j--) {
    const vals = params[j]!.values;
    combo[j] = vals[k % vals.length]!;
    k = Math.floor(k / vals.length);
  }
  return combo;
}

export type CombosResult = { ok: true; combos: Combo[] } | { ok: false; error: string };

/** Every combination, or a refusal that says how many there would be. */
export function gridCombos(params: readonly SweepParam[]): CombosResult {
  const n = gridSize(params);
  if (n > GRID_LIMIT) {
    return {
      ok: false,
      error: `This grid has ${n.toLocaleString("en-US")} combinations, more than the ${GRID_LIMIT.toLocaleString("en-US")} a grid may run. Use the random or halving method, or narrow the ranges.`,
    };
  }
  return { ok: true, combos: Array.from({ length: n }, (_, k) => gridCombo(params, k)) };
}

/** `count` distinct combinations drawn uniformly from the grid with a seed (all of them if fewer). */
export function randomCombos(params: readonly SweepParam[], count: number, seed: number): Combo[] {
  const n = gridSize(params);
  if (count >= n && n <= GRID_LIMIT) return Array.from({ length: n }, (_, k) => gridCombo(params, k));
  const rand = mulberry32(seed);
  const seen = new Set<number>();
  const out: Combo[] = [];
  // Rejection sampling: count < n, so a new index turns up quickly unless count ≈ n (handled above).
  while (out.length < count) {
    const k = Math.floor(rand() * n);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(gridCombo(params, k));
  }
  return out;
}

/** The flow with a combination's values written into its params (ranges kept). */
export function applyCombo(flow: FlowGraph, params: readonly SweepParam[], combo: Combo): FlowGraph {
  const byNode = new Map<string, Record<string, number>>();
  params.forEach((p, j) => {
    const row = byNode.get(p.nodeId) ?? {};
    row[p.param] = combo[j]!;
    byNode.set(p.nodeId, row);
  });
  return { ...flow, nodes: flow.nodes.map((n) => (byNode.has(n.id) ? { ...n, params: { ...n.params, ...byNode.get(n.id) } } : n)) };
}
