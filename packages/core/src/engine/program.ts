import { BAR_VARS, getBlock, type BlockDef } from "../catalogue";
import { num } from "../catalogue/emit";
import type { StrategySpec } from "../compile/spec";
import type { Sizing } from "../flow/schema";

/** How an entry block opens a position, with the risk blocks attached to it. NaN = not set. */
export interface EntryRule {
  type: "market" | "limit";
  /** Slot in `Program.v` of the signal that triggers it. */
  signalSlot: number;
  sizing: Sizing;
  /** Limit entries: price = close × (1 − offsetPct / 100), cancelled after `validBars` bars. */
  offsetPct: number;
  validBars: number;
  /** Limit entries: a bar whose low only reaches the price fills it (else the low must go below). */
  fillOnTouch: boolean;
  stopLossPct: number;
  takeProfitPct: number;
  trailingPct: number;
}

/** Runs the program on the bar held in `Program.bar`. */
export type UpdateFn = () => void;

/**
 * A spec turned once into a flat program: one generated function that runs every block's
 * statements in topological order with its state (indicator objects, previous values) closed
 * over, and writes the values others need — entry and exit signals, recorded series — into `v`.
 */
export interface Program {
  update: UpdateFn;
  /** The bar to evaluate: time, open, high, low, close, volume. */
  bar: Float64Array;
  v: Float64Array;
  /** Slot in `v` of each output of each spec node, or -1 when the program does not publish it. */
  outputSlots: number[][];
  entries: EntryRule[];
  exitSlots: number[];
  /** With `record`: every indicator and math output, in spec order, with its slot in `v`. */
  recorded: { node: number; port: number; slot: number }[];
  /**
   * Slot in `v` that holds 0 once every indicator and math output has a value and NaN before
   * (the first tradable bar, where backtesting.py starts its buy & hold); -1 without such blocks.
   */
  warmSlot: number;
  /** The generated source, for debugging and tests. */
  source: string;
}

export interface BuildOptions {
  /** Publish every indicator and math output in `v` (for charts). */
  record?: boolean;
  /**
   * Sweeps: the outputs of a compute node already computed over the whole run's candles (one array
   * per output port, bar i at index i), or undefined to compute them here. The program then reads
   * bar i's values instead of updating the block, so it must be run over exactly those candles
   * from the first. The values are the block's own, so results do not change (see research/sharedSeries).
   */
  shared?: (node: number) => readonly Float64Array[] | undefined;
}

// Numbers cross function boundaries and closure variables boxed; typed arrays keep them raw.
// So the bar comes in through `bar`, state between bars lives in `st`, and results go out in `v`.
const BAR_FIELDS = [BAR_VARS.time, BAR_VARS.open, BAR_VARS.high, BAR_VARS.low, BAR_VARS.close, BAR_VARS.volume];

export function buildProgram(spec: StrategySpec, opts: BuildOptions = {}): Program {
  const blocks: BlockDef[] = spec.nodes.map((n) => {
    const block = getBlock(n.kind);
    if (!block) throw new Error(`unknown block kind ${n.kind} in spec`);
    return block;
  });
  const kept: object[] = [];
  const stateInits: number[] = [];
  const io = {
    keep(obj: object) {
      kept.push(obj);
      return `k${kept.length - 1}`;
    },
    state(init: number) {
      stateInits.push(init);
      return `st[${stateInits.length - 1}]`;
    },
  };
  const outName = (node: number, port: number) => `n${node}_${port}`;

  // Outputs others read from outside the function get a slot in `v`.
  let slots = 0;
  const outputSlots = spec.nodes.map((_, i) => blocks[i]!.outputs.map(() => -1));
  const publish = (node: number, port: number) => {
    const row = outputSlots[node]!;
    if (row[port]! < 0) row[port] = slots++;
    return row[port]!;
  };

  const body: string[] = [];
  // Index of the bar being run, for reading shared series; declared only when one is used.
  let barIndex = "";
  const entries: EntryRule[] = [];
  const exitSlots: number[] = [];
  const recorded: Program["recorded"] = [];
  const charted: string[] = [];
  /** The rule of each entry node, by spec index, for the risk blocks attached to it. */
  const entryOf = new Map<number, EntryRule>();
  spec.nodes.forEach((n, i) => {
    const block = blocks[i]!;
    const inputs = n.inputs.map((ref) => ("const" in ref ? num(ref.const) : outName(ref.node, ref.port)));
    if (block.role === "compute") {
      const outputs = block.outputs.map((_, port) => outName(i, port));
      const pre = opts.shared?.(i);
      if (pre && pre.length === outputs.length) {
        if (!barIndex) barIndex = io.state(0);
        body.push(outputs.map((o, port) => `const ${o} = ${io.keep(pre[port]!)}[bi];`).join(" "));
      } else {
        // A spec may come from storage: re-check its params so nothing unvalidated shapes the code.
        const params = block.params.parse(n.params);
        body.push(block.emit!(params as never, { inputs, outputs, ...io }));
      }
      if (block.category === "indicator" || block.category === "math") {
        charted.push(...outputs);
        if (opts.record) block.outputs.forEach((_, port) => recorded.push({ node: i, port, slot: publish(i, port) }));
      }
      return;
    }
    const ref = n.inputs[0];
    if (!ref || "const" in ref) throw new Error(`${n.kind} without an input in spec`);
    if (block.role === "entry") {
      const p = n.params as { sizeMode: Sizing["mode"]; size: number; offsetPct?: number; validBars?: number; fill?: "through" | "touch" };
      const rule: EntryRule = {
        type: n.kind === "limitBuy" ? "limit" : "market",
        signalSlot: publish(ref.node, ref.port),
        sizing: { mode: p.sizeMode, value: p.size },
        offsetPct: p.offsetPct ?? NaN,
        validBars: p.validBars ?? NaN,
        fillOnTouch: p.fill === "touch",
        stopLossPct: NaN,
        takeProfitPct: NaN,
        trailingPct: NaN,
      };
      entries.push(rule);
      entryOf.set(i, rule);
    } else if (block.role === "exit") {
      exitSlots.push(publish(ref.node, ref.port));
    }
  });

  // Risk blocks refer back to their entry's order output.
  spec.nodes.forEach((n, i) => {
    if (blocks[i]!.role !== "risk") return;
    const ref = n.inputs[0];
    const rule = ref && "node" in ref ? entryOf.get(ref.node) : undefined;
    if (!rule) throw new Error(`${n.kind} not attached to an entry in spec`);
    const pct = (n.params as { pct: number }).pct;
    if (n.kind === "stopLoss") rule.stopLossPct = pct;
    else if (n.kind === "takeProfit") rule.takeProfitPct = pct;
    else if (n.kind === "trailingStop") rule.trailingPct = pct;
  });

  outputSlots.forEach((row, i) =>
    row.forEach((slot, port) => {
      if (slot >= 0) body.push(`v[${slot}] = ${outName(i, port)};`);
    }),
  );

  // NaN + anything is NaN, so the sum × 0 is 0 exactly when every output has a value.
  const warmSlot = charted.length > 0 ? slots++ : -1;
  if (warmSlot >= 0) body.push(`v[${warmSlot}] = (${charted.join(" + ")}) * 0;`);

  const source = [
    '"use strict";',
    "return function update() {",
    `  const ${BAR_FIELDS.map((name, k) => `${name} = bar[${k}]`).join(", ")};`,
    ...(barIndex ? [`  const bi = ${barIndex}; ${barIndex} = bi + 1;`] : []),
    ...body.map((line) => `  ${line}`),
    "};",
  ].join("\n");
  const bar = new Float64Array(BAR_FIELDS.length);
  const v = new Float64Array(Math.max(1, slots)).fill(NaN);
  const st = Float64Array.from(stateInits);
  const factory = new Function("bar", "v", "st", ...kept.map((_, k) => `k${k}`), source) as (...args: unknown[]) => UpdateFn;
  const update = factory(bar, v, st, ...kept);
  return { update, bar, v, outputSlots, entries, exitSlots, recorded, warmSlot, source };
}
