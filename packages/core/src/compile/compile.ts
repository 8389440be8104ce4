import { getBlock, type BlockDef, type PortType } from "../catalogue";
import { paramFields, paramFieldsFor, paramProblem, withinBounds } from "../catalogue/paramFields";
import { flowGraphSchema, type FlowEdge, type FlowGraph } from "../flow/schema";
import { canonicalJson } from "../util/canonicalJson";
import { sha256Hex } from "../util/sha256";
import { higherTimeframeProblem } from "../engine/higherTimeframe";
import type { CompileIssue } from "./errors";
import { SPEC_FORMAT, type SpecNode, type SpecRef, type StrategySpec } from "./spec";

export type CompileResult =
  | {
      ok: true;
      spec: StrategySpec;
      /** Stable content hash of the spec: same semantics → same hash, whatever the layout or ids. */
      hash: string;
      /** The flow node id behind each spec node, for showing results and errors on the canvas. */
      nodeIds: string[];
      warnings: CompileIssue[];
    }
  | { ok: false; errors: CompileIssue[]; warnings: CompileIssue[] };

export const PORT_TYPE_WORDS: Record<PortType, string> = {
  series: "a number series",
  signal: "a true/false signal",
  order: "an order",
};

interface Checked {
  id: string;
  block: BlockDef;
  params: Record<string, unknown>;
  /** Edge feeding each input port, by port name. */
  feeds: Map<string, FlowEdge>;
}

/** Turns a flow into a StrategySpec, or into a list of problems each pointing at a node, port or param. */
export function compile(input: unknown): CompileResult {
  const parsed = flowGraphSchema.safeParse(input);
  if (!parsed.success) {
    const errors = parsed.error.issues.map<CompileIssue>((issue) => ({
      code: "invalidFlow",
      message: `${issue.path.join(".") || "flow"}: ${issue.message}`,
    }));
    return { ok: false, errors, warnings: [] };
  }
  return compileFlow(parsed.data);
}

export function compileFlow(flow: FlowGraph): CompileResult {
  const errors: CompileIssue[] = [];
  const warnings: CompileIssue[] = [];
  const nodes = new Map<string, Checked>();

  for (const node of flow.nodes) {
    if (nodes.has(node.id)) {
      errors.push({ code: "invalidFlow", nodeId: node.id, message: `Two blocks share the id "${node.id}"; ids must be unique.` });
      continue;
    }
    const block = getBlock(node.kind);
    if (!block) {
      errors.push({
        code: "unknownBlock",
        nodeId: node.id,
        message: `Unknown block type "${node.kind}". Delete it, or update Keyflow if the flow was made with a newer version.`,
      });
      continue;
    }
    const params = block.params.safeParse(node.params);
    if (!params.success) {
      for (const issue of params.error.issues) {
        const param = issue.path[0] === undefined ? undefined : String(issue.path[0]);
        const field = param === undefined ? undefined : paramFields(block).find((f) => f.key === param);
        const message =
          issue.code === "unrecognized_keys"
            ? `${block.label} has no setting named ${issue.keys.map((k) => `"${k}"`).join(", ")}; remove it.`
            : field && issue.code === "custom"
              ? `${block.label}: ${field.label} — ${issue.message}.` // a block's own check (e.g. a formula's syntax) says it best
              : field
                ? `${block.label}: ${paramProblem(field, node.params[field.key])}.`
              : `${block.label}: ${param ?? "settings"} — ${issue.message}.`;
        errors.push({ code: "badParam", nodeId: node.id, ...(param ? { param } : {}), message });
      }
      nodes.set(node.id, { id: node.id, block, params: {}, feeds: new Map() });
      continue;
    }
    let data = params.data as Record<string, unknown>;
    const outOfBounds = paramFieldsFor(block, data).filter((f) => f.kind === "number" && !withinBounds(f, data[f.key]));
    if (outOfBounds.length > 0) {
      for (const f of outOfBounds) errors.push({ code: "badParam", nodeId: node.id, param: f.key, message: `${block.label}: ${paramProblem(f, data[f.key])}.` });
      nodes.set(node.id, { id: node.id, block, params: {}, feeds: new Map() });
      continue;
    }
    // A source reading a higher timeframe: "flow" is the same as none (one spec, one hash for both),
    // and any other must be a whole multiple of the flow's, above it.
    if (block.category === "source" && typeof data.timeframe === "string") {
      if (data.timeframe === "flow") {
        const { timeframe: _flow, ...rest } = data;
        data = rest;
      } else {
        const problem = higherTimeframeProblem(data.timeframe, flow.market.timeframe);
        if (problem) {
          errors.push({ code: "badParam", nodeId: node.id, param: "timeframe", message: `${block.label}: Timeframe — ${problem}.` });
          nodes.set(node.id, { id: node.id, block, params: {}, feeds: new Map() });
          continue;
        }
      }
    }
    // An entry sized "as the flow's default" is resolved now, so the spec alone says how much it buys.
    if (block.role === "entry" && data.sizeMode === "default") {
      data = { ...data, sizeMode: flow.settings.sizing.mode, size: flow.settings.sizing.value };
    }
    nodes.set(node.id, { id: node.id, block, params: data, feeds: new Map() });
  }

  // Edges: ends exist, ports exist, types match, one edge per input.
  const consumers = new Map<string, FlowEdge[]>(); // "node:port" of an output → edges reading it
  for (const edge of flow.edges) {
    const src = nodes.get(edge.source);
    const dst = nodes.get(edge.target);
    if (!src || !dst) {
      const hasSource = flow.nodes.some((n) => n.id === edge.source);
      const hasTarget = flow.nodes.some((n) => n.id === edge.target);
      if (!hasSource || !hasTarget) {
        // Point at the end that exists, so the person can find the link from its block.
        const end = hasSource ? { nodeId: edge.source, port: edge.sourceHandle } : hasTarget ? { nodeId: edge.target, port: edge.targetHandle } : {};
        const missing = hasSource ? edge.target : edge.source;
        errors.push({ code: "invalidFlow", edgeId: edge.id, ...end, message: `A connection leads to a block "${missing}" that does not exist; delete the connection.` });
      }
      continue;
    }
    const out = src.block.outputs.find((p) => p.name === edge.sourceHandle);
    const inp = dst.block.inputs.find((p) => p.name === edge.targetHandle);
    if (!out) {
      errors.push({ code: "unknownPort", nodeId: src.id, edgeId: edge.id, port: edge.sourceHandle, message: `${src.block.label} has no output "${edge.sourceHandle}"; reconnect it.` });
      continue;
    }
    if (!inp) {
      errors.push({ code: "unknownPort", nodeId: dst.id, edgeId: edge.id, port: edge.targetHandle, message: `${dst.block.label} has no input "${edge.targetHandle}"; reconnect it.` });
      continue;
    }
    if (edge.source === edge.target) {
      errors.push({ code: "cycle", nodeId: dst.id, edgeId: edge.id, port: inp.name, message: `${dst.block.label} is connected to itself; a block cannot use its own output.` });
      continue;
    }
    if (out.type !== inp.type) {
      errors.push({
        code: "typeMismatch",
        nodeId: dst.id,
        edgeId: edge.id,
        port: inp.name,
        message: `${src.block.label} gives ${PORT_TYPE_WORDS[out.type]}, but "${inp.label}" of ${dst.block.label} needs ${PORT_TYPE_WORDS[inp.type]}.${
          inp.type === "signal" && out.type === "series" ? " Put a condition (e.g. Crosses above) in between." : ""
        }`,
      });
      continue;
    }
    if (dst.feeds.has(inp.name)) {
      errors.push({ code: "duplicateInput", nodeId: dst.id, edgeId: edge.id, port: inp.name, message: `"${inp.label}" of ${dst.block.label} has two connections; keep one.` });
      continue;
    }
    dst.feeds.set(inp.name, edge);
    const key = `${edge.source}:${edge.sourceHandle}`;
    consumers.set(key, [...(consumers.get(key) ?? []), edge]);
  }

  for (const n of nodes.values()) {
    for (const port of n.block.inputs) {
      if (!n.feeds.has(port.name) && !port.fallbackParam) {
        errors.push({
          code: "missingInput",
          nodeId: n.id,
          port: port.name,
          message: `Connect something to "${port.label}" of ${n.block.label} (it needs ${PORT_TYPE_WORDS[port.type]}).`,
        });
      }
    }
  }

  const order = topoOrder(nodes);
  for (const id of order.cyclic) {
    errors.push({ code: "cycle", nodeId: id, message: `This block is part of a loop; a block cannot depend on its own output. Remove one of the connections in the loop.` });
  }

  const all = [...nodes.values()];
  const entries = all.filter((n) => n.block.role === "entry");
  const exits = all.filter((n) => n.block.role === "exit");
  const risks = all.filter((n) => n.block.role === "risk");
  if (entries.length === 0) {
    errors.push({ code: "noAction", message: "The flow never buys: add a Buy block and connect a signal to its “When” input." });
  }

  // One signal cannot both open and close: it would buy and sell on the same bar.
  for (const [key, edges] of consumers) {
    const roles = new Set(edges.map((e) => nodes.get(e.target)?.block.role));
    if (roles.has("entry") && roles.has("exit")) {
      for (const e of edges.filter((x) => ["entry", "exit"].includes(nodes.get(x.target)?.block.role ?? ""))) {
        errors.push({
          code: "conflict",
          nodeId: e.target,
          port: e.targetHandle,
          message: `The same signal (${key.split(":")[0]}) both buys and sells; use different conditions for entry and exit.`,
        });
      }
    }
  }
  for (const entry of entries) {
    const attached = (consumers.get(`${entry.id}:order`) ?? []).map((e) => nodes.get(e.target)!);
    const seen = new Map<string, string>();
    for (const r of attached) {
      // Steps (a take-profit in parts) may be several, each at its own level.
      const key = r.block.manyPerEntry ? `${r.block.kind}@${String((r.params as { pct?: unknown }).pct)}` : r.block.kind;
      const other = seen.get(key);
      if (other && r.block.manyPerEntry) {
        errors.push({ code: "conflict", nodeId: r.id, message: `${entry.block.label} (${entry.id}) already has a ${r.block.label} at this level (${other}); give each step its own %.` });
        continue;
      }
      if (other) {
        errors.push({
          code: "conflict",
          nodeId: r.id,
          message: `${entry.block.label} (${entry.id}) already has a ${r.block.label} (${other}); keep one.`,
        });
      } else seen.set(key, r.id);
    }
    // A step at or above the take-profit never fires: the take-profit sells everything first.
    const full = attached.find((r) => r.block.kind === "takeProfit");
    const fullPct = full?.params.pct;
    for (const r of attached) {
      const pct = r.params.pct;
      if (!r.block.manyPerEntry || typeof pct !== "number" || typeof fullPct !== "number" || pct < fullPct) continue;
      warnings.push({
        code: "unreachedLevel",
        nodeId: r.id,
        param: "pct",
        message: `${r.block.label} at ${pct} % never sells: the Take-profit % (${full!.id}) sells everything at ${fullPct} %. Set the step below ${fullPct} %.`,
      });
    }
  }

  if (errors.length > 0) return { ok: false, errors, warnings };

  // Only blocks that feed an action matter; the rest is reported, not compiled.
  const live = new Set<string>();
  const visit = (id: string) => {
    if (live.has(id)) return;
    live.add(id);
    for (const e of nodes.get(id)!.feeds.values()) visit(e.source);
  };
  for (const n of [...entries, ...exits, ...risks]) visit(n.id);
  for (const n of all) {
    if (!live.has(n.id)) {
      warnings.push({ code: "unusedBlock", nodeId: n.id, message: `${n.block.label} does not lead to any Buy, Sell or risk block, so it has no effect.` });
    }
    for (const w of n.block.checkInputs?.(n.params as never, new Set(n.feeds.keys())) ?? []) {
      warnings.push({ code: "unusedInput", nodeId: n.id, port: w.port, message: w.message });
    }
  }
  if (exits.length === 0 && risks.length === 0) {
    warnings.push({ code: "noExit", message: "Nothing ever sells: add a Sell block or a stop-loss / take-profit, or positions stay open." });
  }

  const { spec, nodeIds } = buildSpec(flow, nodes, order.sorted.filter((id) => live.has(id)));
  const hash = specHash(spec);
  return { ok: true, spec, hash, nodeIds, warnings };
}

export function specHash(spec: StrategySpec): string {
  return sha256Hex(canonicalJson(spec));
}

function topoOrder(nodes: Map<string, Checked>): { sorted: string[]; cyclic: string[] } {
  const indeg = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const n of nodes.values()) {
    indeg.set(n.id, n.feeds.size);
    for (const e of n.feeds.values()) out.set(e.source, [...(out.get(e.source) ?? []), n.id]);
  }
  const ready = [...nodes.keys()].filter((id) => indeg.get(id) === 0);
  const sorted: string[] = [];
  while (ready.length > 0) {
    const id = ready.pop()!;
    sorted.push(id);
    for (const next of out.get(id) ?? []) {
      const d = indeg.get(next)! - 1;
      indeg.set(next, d);
      if (d === 0) ready.push(next);
    }
  }
  // Nodes left over either sit on a loop or merely downstream of one; report only the former.
  const left = new Set([...nodes.keys()].filter((id) => indeg.get(id)! > 0));
  const onLoop = (start: string): boolean => {
    const stack = [...(out.get(start) ?? [])];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === start) return true;
      if (seen.has(id) || !left.has(id)) continue;
      seen.add(id);
      stack.push(...(out.get(id) ?? []));
    }
    return false;
  };
  const cyclic = [...left].filter(onLoop);
  return { sorted, cyclic };
}

/**
 * Orders the live nodes canonically: each node gets a Merkle signature of its kind, params and
 * inputs' signatures, and among the nodes ready at each step the smallest signature goes first.
 * The result depends on what the flow computes, never on ids, positions or array order.
 * `nodeIds` gives the flow block behind each spec node (the first of identical twins).
 */
function buildSpec(flow: FlowGraph, nodes: Map<string, Checked>, topo: string[]): { spec: StrategySpec; nodeIds: string[] } {
  const sig = new Map<string, string>();
  for (const id of topo) {
    const n = nodes.get(id)!;
    const inputs = n.block.inputs.map((p) => {
      const e = n.feeds.get(p.name);
      return e ? `${sig.get(e.source)}:${e.sourceHandle}` : `=${canonicalJson(n.params[p.fallbackParam!])}`;
    });
    sig.set(id, sha256Hex(canonicalJson([n.block.kind, n.params, inputs])));
  }

  const remaining = new Map<string, number>();
  const consumers = new Map<string, string[]>();
  for (const id of topo) {
    const n = nodes.get(id)!;
    remaining.set(id, n.feeds.size);
    for (const e of n.feeds.values()) consumers.set(e.source, [...(consumers.get(e.source) ?? []), id]);
  }
  const ready = topo.filter((id) => remaining.get(id) === 0);
  const ordered: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (sig.get(a)! < sig.get(b)! ? -1 : sig.get(a)! > sig.get(b)! ? 1 : a < b ? -1 : 1));
    const id = ready.shift()!;
    ordered.push(id);
    for (const c of consumers.get(id) ?? []) {
      const left = remaining.get(c)! - 1;
      remaining.set(c, left);
      if (left === 0) ready.push(c);
    }
  }

  // Blocks with equal signatures compute the same thing: keep one (the first in order), so that
  // duplicated blocks neither cost twice nor make the hash depend on which id sorts first.
  const kept: string[] = [];
  const index = new Map<string, number>(); // flow id → spec index (duplicates share their twin's)
  const bySig = new Map<string, number>();
  for (const id of ordered) {
    const twin = bySig.get(sig.get(id)!);
    if (twin !== undefined) {
      index.set(id, twin);
      continue;
    }
    bySig.set(sig.get(id)!, kept.length);
    index.set(id, kept.length);
    kept.push(id);
  }
  const specNodes: SpecNode[] = kept.map((id) => {
    const n = nodes.get(id)!;
    const inputs = n.block.inputs.map<SpecRef>((p) => {
      const e = n.feeds.get(p.name);
      if (!e) return { const: Number(n.params[p.fallbackParam!]) };
      const src = nodes.get(e.source)!;
      return { node: index.get(e.source)!, port: src.block.outputs.findIndex((o) => o.name === e.sourceHandle) };
    });
    return { kind: n.block.kind, params: n.params, inputs };
  });
  const readsHigher = specNodes.some((n) => n.params.timeframe !== undefined);
  return {
    spec: { format: SPEC_FORMAT, version: 1, nodes: specNodes, ...(readsHigher ? { timeframe: flow.market.timeframe } : {}) },
    nodeIds: kept,
  };
}
