import { getBlock, type CompileIssue, type CompileResult, type FlowGraph } from "@keyflow/core";
import { freeSpot, sizeBeforeDrawn } from "./placement";

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

/** A link with one end on a block that is not in the flow, and where to draw a stand-in for that end. */
export interface DanglingLink {
  edgeId: string;
  /** The id the link names but no block has. */
  missingId: string;
  /** Which end is missing. */
  side: "source" | "target";
  /** Where the stand-in goes: beside the block that exists. */
  position: { x: number; y: number };
}

/**
 * Links to missing blocks (an edited or imported file), drawn as a red link to a stand-in so they can
 * be seen, selected and deleted. A link with neither end present cannot be drawn (the problems list
 * still shows it).
 */
export function danglingLinks(flow: FlowGraph): DanglingLink[] {
  const at = new Map(flow.nodes.map((n) => [n.id, n.position]));
  // Stand-ins go on a free spot near where the missing block would sit, never over a block.
  const occupied = flow.nodes.map((n) => {
    const block = getBlock(n.kind);
    return { ...n.position, ...(block ? sizeBeforeDrawn(block) : { width: 188, height: 120 }) };
  });
  const out: DanglingLink[] = [];
  for (const e of flow.edges) {
    const src = at.get(e.source);
    const dst = at.get(e.target);
    if ((src && dst) || (!src && !dst)) continue;
    const side = src ? "target" : "source";
    const near = src ? { x: src.x + 260 + STAND_IN.width / 2, y: src.y - 80 } : { x: dst!.x - 260 + STAND_IN.width / 2, y: dst!.y - 80 };
    const position = freeSpot(near, STAND_IN, occupied);
    occupied.push({ ...position, ...STAND_IN });
    out.push({ edgeId: e.id, missingId: side === "target" ? e.target : e.source, side, position });
  }
  return out;
}

/** The drawn size of a missing block's stand-in. */
const STAND_IN = { width: 200, height: 90 };
