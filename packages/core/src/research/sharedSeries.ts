import { getBlock } from "../catalogue";
import type { SpecNode, StrategySpec } from "../compile/spec";
import type { Candles } from "../data/candles";
import { buildProgram, type BuildOptions } from "../engine/program";
import { canonicalJson } from "../util/canonicalJson";
import { sha256Hex } from "../util/sha256";

/**
 * The spec of one node with everything it reads (re-indexed, in the same order): two nodes with
 * the same sub-spec compute the same series on the same candles, whatever else the flow holds.
 */
export function subSpec(spec: StrategySpec, node: number): StrategySpec {
  const keep = new Set<number>();
  const visit = (i: number) => {
    if (keep.has(i)) return;
    keep.add(i);
    for (const ref of spec.nodes[i]!.inputs) if ("node" in ref) visit(ref.node);
  };
  visit(node);
  const order = [...keep].sort((a, b) => a - b);
  const index = new Map(order.map((old, k) => [old, k]));
  const nodes = order.map<SpecNode>((i) => {
    const n = spec.nodes[i]!;
    return { ...n, inputs: n.inputs.map((ref) => ("node" in ref ? { node: index.get(ref.node)!, port: ref.port } : ref)) };
  });
  return { ...spec, nodes };
}

/** Hash of a node's sub-spec: the key of its series in the cache. */
export function subSpecHash(spec: StrategySpec, node: number): string {
  return sha256Hex(canonicalJson(subSpec(spec, node)));
}

/** Runs a node's sub-spec over the candles and returns each output's series, bar i at index i. */
export function computeSeries(spec: StrategySpec, node: number, candles: Candles): Float64Array[] {
  const sub = subSpec(spec, node);
  const target = sub.nodes.length - 1;
  const program = buildProgram(sub, { record: true });
  const slots = program.outputSlots[target]!;
  const out = slots.map(() => new Float64Array(candles.length));
  const { bar, v, update } = program;
  const { time, open, high, low, close, volume } = candles;
  for (let i = 0; i < candles.length; i++) {
    bar[0] = time[i]!;
    bar[1] = open[i]!;
    bar[2] = high[i]!;
    bar[3] = low[i]!;
    bar[4] = close[i]!;
    bar[5] = volume[i]!;
    update();
    for (let p = 0; p < slots.length; p++) out[p]![i] = v[slots[p]!]!;
  }
  return out;
}

/**
 * Indicator series shared by every combination of a sweep over one set of candles: an SMA(14) of
 * the close is computed once, whatever the other blocks' params. Least recently used series are
 * dropped past `maxBytes` (they are recomputed if asked for again), so memory stays bounded.
 */
export class SeriesCache {
  private readonly entries = new Map<string, Float64Array[]>();
  private bytes = 0;
  /** Largest size the cache reached, in bytes. */
  peakBytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly candles: Candles,
    readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  get sizeBytes(): number {
    return this.bytes;
  }

  series(spec: StrategySpec, node: number): Float64Array[] {
    // The canonical text the sub-spec hash is made of: the same key, without hashing it on every run.
    const key = canonicalJson(subSpec(spec, node));
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      // Re-insert: Map order is the recency order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.misses++;
    const made = computeSeries(spec, node, this.candles);
    const size = made.reduce((s, a) => s + a.byteLength, 0);
    if (size <= this.maxBytes) {
      for (const [k, old] of this.entries) {
        if (this.bytes + size <= this.maxBytes) break;
        this.entries.delete(k);
        this.bytes -= old.reduce((s, a) => s + a.byteLength, 0);
      }
      this.entries.set(key, made);
      this.bytes += size;
      this.peakBytes = Math.max(this.peakBytes, this.bytes);
    }
    return made;
  }

  /** The engine's hook for one spec: every indicator block's outputs come from the cache. */
  sharedFor(spec: StrategySpec): NonNullable<BuildOptions["shared"]> {
    return (node) => (getBlock(spec.nodes[node]!.kind)?.category === "indicator" ? this.series(spec, node) : undefined);
  }
}
