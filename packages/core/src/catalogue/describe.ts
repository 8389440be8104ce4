import type { FlowGraph } from "../flow/schema";
import { getBlock } from "./index";

/**
 * What a chart says about a recorded output: "SMA 10", "RSI 14", "MACD 12/26/9 · Signal".
 * Indicators carry their numeric params; a block with several outputs names the output too.
 */
export function outputLabel(flow: FlowGraph, nodeId: string, port: string): string {
  const node = flow.nodes.find((n) => n.id === nodeId);
  const block = node && getBlock(node.kind);
  if (!node || !block) return `${nodeId}.${port}`;
  const nums = Object.values(node.params).filter((v): v is number => typeof v === "number");
  const base = `${block.label}${nums.length > 0 && block.category === "indicator" ? ` ${nums.join("/")}` : ""}`;
  const out = block.outputs.find((p) => p.name === port);
  return block.outputs.length > 1 && out ? `${base} · ${out.label}` : base;
}

/**
 * The constant levels a flow compares an output with (RSI below 30, above 70): the params that
 * stand in for the unconnected inputs of a condition block whose input A is this output.
 */
export function thresholdsOf(flow: FlowGraph, nodeId: string, port: string): number[] {
  const levels = new Set<number>();
  for (const e of flow.edges) {
    if (e.source !== nodeId || e.sourceHandle !== port || e.targetHandle !== "a") continue;
    const target = flow.nodes.find((n) => n.id === e.target);
    const block = target && getBlock(target.kind);
    if (!target || !block || block.category !== "condition") continue;
    const fed = new Set(flow.edges.filter((x) => x.target === target.id).map((x) => x.targetHandle));
    for (const input of block.inputs) {
      if (!input.fallbackParam || fed.has(input.name)) continue;
      const v = target.params[input.fallbackParam];
      if (typeof v === "number" && Number.isFinite(v)) levels.add(v);
    }
  }
  return [...levels].sort((a, b) => a - b);
}
