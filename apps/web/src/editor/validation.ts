import { getBlock, type CompileIssue, type CompileResult, type FlowGraph } from "@keyflow/core";

export interface NodeIssues {
  errors: CompileIssue[];
  warnings: CompileIssue[];
}

const NONE: NodeIssues = { errors: [], warnings: [] };

export function issuesByNode(v: CompileResult): Map<string, NodeIssues> {
  const map = new Map<string, NodeIssues>();
  const get = (id: string) => {
    let x = map.get(id);
    if (!x) map.set(id, (x = { errors: [], warnings: [] }));
    return x;
  };
  if (!v.ok) for (const e of v.errors) if (e.nodeId) get(e.nodeId).errors.push(e);
  for (const w of v.warnings) if (w.nodeId) get(w.nodeId).warnings.push(w);
  return map;
}

export function nodeIssues(map: Map<string, NodeIssues>, id: string): NodeIssues {
  return map.get(id) ?? NONE;
}

/** Edges the compiler complained about (drawn red). */
export function badEdges(v: CompileResult): Set<string> {
  return new Set(v.ok ? [] : v.errors.map((e) => e.edgeId).filter((x): x is string => !!x));
}

/** Why the backtest cannot run yet, in one line; null when it can. */
export function blockedReason(v: CompileResult): string | null {
  if (v.ok) return null;
  const n = v.errors.length;
  const first = v.errors[0]!;
  return n === 1 ? `Fix 1 problem first: ${first.message}` : `Fix ${n} problems first: ${first.message}`;
}

/** "SMA (fast)" for an issue's node, for the problems list. */
export function issueWhere(flow: FlowGraph, issue: CompileIssue): string | null {
  if (!issue.nodeId) return null;
  const node = flow.nodes.find((n) => n.id === issue.nodeId);
  const block = node && getBlock(node.kind);
  const label = block ? `${block.label} · ${issue.nodeId}` : issue.nodeId;
  return issue.port ? `${label} · input ${issue.port}` : issue.param ? `${label} · ${issue.param}` : label;
}

/** The connection an issue is about when one of its ends is gone (an imported link to a missing block): it can only be deleted. */
export function danglingEdge(flow: FlowGraph, issue: CompileIssue): string | null {
  const edge = issue.edgeId ? flow.edges.find((e) => e.id === issue.edgeId) : undefined;
  if (!edge) return null;
  const has = (id: string) => flow.nodes.some((n) => n.id === id);
  return has(edge.source) && has(edge.target) ? null : edge.id;
}
