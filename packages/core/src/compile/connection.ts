import { getBlock } from "../catalogue";
import type { FlowEdge, FlowNode } from "../flow/schema";
import { PORT_TYPE_WORDS } from "./compile";

export interface Connection {
  source: string;
  sourceHandle: string | null;
  target: string;
  targetHandle: string | null;
}

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether a new edge may be drawn: the same type rules the compiler enforces, plus no loops and
 * one connection per input. A plain function of the graph so the editor and tests share it.
 */
export function checkConnection(
  nodes: readonly Pick<FlowNode, "id" | "kind">[],
  edges: readonly Pick<FlowEdge, "source" | "target" | "targetHandle">[],
  c: Connection,
): ConnectionCheck {
  const src = nodes.find((n) => n.id === c.source);
  const dst = nodes.find((n) => n.id === c.target);
  const srcBlock = src && getBlock(src.kind);
  const dstBlock = dst && getBlock(dst.kind);
  if (!srcBlock || !dstBlock) return { ok: false, reason: "Unknown block." };
  if (c.source === c.target) return { ok: false, reason: "A block cannot use its own output." };
  const out = srcBlock.outputs.find((p) => p.name === c.sourceHandle);
  const inp = dstBlock.inputs.find((p) => p.name === c.targetHandle);
  if (!out || !inp) return { ok: false, reason: "Connect an output (right side) to an input (left side)." };
  if (out.type !== inp.type) {
    return { ok: false, reason: `${srcBlock.label} gives ${PORT_TYPE_WORDS[out.type]}; “${inp.label}” needs ${PORT_TYPE_WORDS[inp.type]}.` };
  }
  if (edges.some((e) => e.target === c.target && e.targetHandle === c.targetHandle)) {
    return { ok: false, reason: `“${inp.label}” is already connected.` };
  }
  // A loop appears if the target already feeds the source.
  const stack = [c.target];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === c.source) return { ok: false, reason: "This connection would make a loop." };
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of edges) if (e.source === id) stack.push(e.target);
  }
  return { ok: true };
}
