import { Graph, layout } from "@dagrejs/dagre";

export interface Box {
  id: string;
  width: number;
  height: number;
}

export interface ArrangeOptions {
  /** Space between columns (ranks) and between blocks in a column. */
  rankGap?: number;
  nodeGap?: number;
  /** Positions snap to this grid (the canvas's snap grid). */
  grid?: number;
}

/**
 * Lays a flow out left to right (sources on the left, orders on the right) with dagre: top-left
 * positions for every block, none overlapping, every link going rightwards.
 */
export function arrange(nodes: readonly Box[], edges: readonly { source: string; target: string }[], opts: ArrangeOptions = {}): Map<string, { x: number; y: number }> {
  const grid = opts.grid ?? 16;
  const g = new Graph();
  g.setGraph({ rankdir: "LR", ranksep: opts.rankGap ?? 80, nodesep: opts.nodeGap ?? 32, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: n.width, height: n.height });
  const ids = new Set(nodes.map((n) => n.id));
  for (const e of edges) if (ids.has(e.source) && ids.has(e.target) && e.source !== e.target) g.setEdge(e.source, e.target);
  layout(g);
  // dagre gives centres; snapping each top-left down to the grid keeps the gaps dagre left.
  const snap = (v: number) => Math.floor(v / grid) * grid;
  const out = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id);
    out.set(n.id, { x: snap(p.x - n.width / 2), y: snap(p.y - n.height / 2) });
  }
  return out;
}
