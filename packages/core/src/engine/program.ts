import { BAR_SLOTS, getBlock, type Op } from "../catalogue";
import type { StrategySpec } from "../compile/spec";
import type { Sizing } from "../flow/schema";

/** How an entry block opens a position, with the risk blocks attached to it. NaN = not set. */
export interface EntryRule {
  type: "market" | "limit";
  signalSlot: number;
  sizing: Sizing;
  /** Limit entries: price = close × (1 − offsetPct / 100), cancelled after `validBars` bars. */
  offsetPct: number;
  validBars: number;
  stopLossPct: number;
  takeProfitPct: number;
  trailingPct: number;
}

/**
 * A spec turned into a flat program over preallocated state: one Float64Array of slots (the bar,
 * then every node output), and one small closure per compute node, run in topological order.
 */
export interface Program {
  v: Float64Array;
  ops: Op[];
  /** Slot of each output of each spec node. */
  outputSlots: number[][];
  entries: EntryRule[];
  exitSlots: number[];
}

export function buildProgram(spec: StrategySpec): Program {
  const outputSlots: number[][] = [];
  const constants: number[] = [];
  let next = BAR_SLOTS;

  // First pass: assign slots (aliases for plain price fields, fresh slots otherwise, then constants).
  const blocks = spec.nodes.map((n) => {
    const block = getBlock(n.kind);
    if (!block) throw new Error(`unknown block kind ${n.kind} in spec`);
    return block;
  });
  spec.nodes.forEach((n, i) => {
    const block = blocks[i]!;
    const alias = block.alias?.(n.params as never);
    outputSlots.push(alias ? [...alias] : block.outputs.map(() => next++));
  });
  const inputSlots = spec.nodes.map((n) =>
    n.inputs.map((ref) => {
      if ("const" in ref) {
        constants.push(ref.const);
        return next++;
      }
      return outputSlots[ref.node]![ref.port]!;
    }),
  );

  const v = new Float64Array(next).fill(NaN);
  let c = next - constants.length;
  for (const value of constants) v[c++] = value;

  const ops: Op[] = [];
  const entries: EntryRule[] = [];
  const exitSlots: number[] = [];
  spec.nodes.forEach((n, i) => {
    const block = blocks[i]!;
    const inputs = inputSlots[i]!;
    if (block.role === "compute") {
      if (block.alias?.(n.params as never)) return;
      ops.push(block.build!(n.params as never, { v, inputs, outputs: outputSlots[i]! }));
    } else if (block.role === "entry") {
      const p = n.params as { sizeMode: Sizing["mode"]; size: number; offsetPct?: number; validBars?: number };
      entries.push({
        type: n.kind === "limitBuy" ? "limit" : "market",
        signalSlot: inputs[0]!,
        sizing: { mode: p.sizeMode, value: p.size },
        offsetPct: p.offsetPct ?? NaN,
        validBars: p.validBars ?? NaN,
        stopLossPct: NaN,
        takeProfitPct: NaN,
        trailingPct: NaN,
      });
    } else if (block.role === "exit") {
      exitSlots.push(inputs[0]!);
    }
  });
  // Risk blocks refer back to their entry, which comes earlier in topological order.
  const entryIndex = new Map<number, number>();
  let e = 0;
  blocks.forEach((block, i) => {
    if (block.role === "entry") entryIndex.set(i, e++);
  });
  spec.nodes.forEach((n, i) => {
    if (blocks[i]!.role !== "risk") return;
    const ref = n.inputs[0];
    if (!ref || "const" in ref) return;
    const rule = entries[entryIndex.get(ref.node)!]!;
    const pct = (n.params as { pct: number }).pct;
    if (n.kind === "stopLoss") rule.stopLossPct = pct;
    else if (n.kind === "takeProfit") rule.takeProfitPct = pct;
    else if (n.kind === "trailingStop") rule.trailingPct = pct;
  });

  return { v, ops, outputSlots, entries, exitSlots };
}
