import { BAR_VARS, getBlock, type BlockDef } from "../catalogue";
import { num } from "../catalogue/emit";
import type { StrategySpec } from "../compile/spec";
import type { Sizing } from "../flow/schema";
import type { SimBroker } from "./simBroker";
import { EXIT, FLAT, NO_ACTION, type PositionState } from "./position";
import { higherClock, type HigherClock } from "./higherTimeframe";
import { timeframeSchema } from "../flow/schema";

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
  /** Take-profit steps, ascending by `pct`: sell `sellPct` % of what is held at avg entry × (1 + pct / 100). */
  takeProfitSteps: { pct: number; sellPct: number }[];
  /**
   * Safety orders (DCA): order k = 1..count buys at first fill × (1 − k × stepPct / 100), sized
   * `sizing` × scale^(k−1) (`percentEquity` here is % of the cash left). Null: none.
   */
  safetyOrders: { count: number; stepPct: number; sizing: Sizing; scale: number } | null;
  /** The largest position: a quote value at its entry prices, or a base quantity. Null: no cap. */
  maxPosition: { mode: "quote" | "base"; value: number } | null;
}

/** Runs the program on the bar held in `Program.bar`. */
export type UpdateFn = () => void;

/**
 * After `update`: what to do given the position state (see `Strategy.decide`): an entry rule's
 * index, EXIT or NO_ACTION.
 */
export type DecideFn = (state: PositionState) => number;

/**
 * The columns a backtest runs over, and where it writes what it records. A class rather than an
 * object literal for the reason given at `Context`.
 */
export class RunColumns {
  constructor(
    readonly time: Float64Array,
    readonly open: Float64Array,
    readonly high: Float64Array,
    readonly low: Float64Array,
    readonly close: Float64Array,
    readonly volume: Float64Array,
    /** Equity at each bar's close (cash + position marked to the close). */
    readonly equity: Float64Array,
    /** With `record`: one column per `Program.recorded` entry, in that order. */
    readonly recorded: Float64Array[],
  ) {}
}

/** Running counts of a backtest, carried from one `run` call to the next. */
export interface RunTally {
  /** Bars that closed with a position held. */
  inMarket: number;
  /** First bar where every indicator and math output has a value; -1 until then. */
  firstTradable: number;
}

/**
 * Bars [from, to) of the columns, each exactly as `SimBroker.onBar`, `update`, `decide` and
 * `SimBroker.submit` in turn would process it (what `Session.next` does), in one generated loop.
 */
export type RunFn = (cols: RunColumns, from: number, to: number, broker: SimBroker, tally: RunTally) => void;

/**
 * A spec turned once into a flat program: generated functions that run every block's statements
 * in topological order with its state (indicator objects, previous values) closed over. `update`
 * processes the bar in `bar` and writes the values others need — entry and exit signals, recorded
 * series — into `v`, for `decide` and for a Session stepping live candles; `run` is the backtest's
 * loop over whole columns, the same statements with the decision and the broker calls folded in.
 */
export interface Program {
  update: UpdateFn;
  decide: DecideFn;
  run: RunFn;
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
  const consts: number[] = [];
  const stateInits: number[] = [];
  const stateInts: boolean[] = [];
  const io = {
    keep(obj: object) {
      kept.push(obj);
      return `k${kept.length - 1}`;
    },
    state(init: number) {
      stateInits.push(init);
      stateInts.push(false);
      return `$s${stateInits.length - 1}`;
    },
    counter(init: number) {
      stateInits.push(init);
      stateInts.push(true);
      return `$s${stateInits.length - 1}`;
    },
    constant(value: number) {
      num(value); // refuses what is not a number, as a literal would
      consts.push(value);
      return `$p${consts.length - 1}`;
    },
  };
  // Compute nodes are named in the order they are emitted, not by spec index: the spec orders nodes
  // by a hash of their params, so two sweep combinations of one flow may number the same blocks
  // differently (an entry between two crosses or after them) and would otherwise generate different
  // sources, each compiled and warmed up again.
  const emitOrder = emissionOrder(spec, blocks);
  const computeIndex = new Map<number, number>();
  for (const i of emitOrder) if (blocks[i]!.role === "compute") computeIndex.set(i, computeIndex.size);
  const outName = (node: number, port: number) => `n${computeIndex.get(node) ?? `x${node}`}_${port}`;

  // Higher timeframes: each one read gets its candle built once, before the first block reading it.
  const body: string[] = [];
  const clocks = new Map<string, HigherClock>();
  const higher = (timeframe: string): HigherClock => {
    let clock = clocks.get(timeframe);
    if (!clock) {
      if (!spec.timeframe) throw new Error("a block reads a higher timeframe but the spec has no timeframe");
      clock = higherClock(timeframeSchema.parse(timeframe), spec.timeframe, clocks.size, io);
      clocks.set(timeframe, clock);
      body.push(clock.code);
    }
    return clock;
  };
  /**
   * The higher timeframe each node computes on, or null for the flow's. A price block reading one
   * is on it; an indicator or math block fed only from one timeframe's blocks (and not reading the
   * bar itself) is on it too: it updates once per higher candle, on the bar that candle closes, and
   * holds its outputs in between, so an SMA(20) of 4h closes averages 20 4h candles. Conditions and
   * logic always run on the flow's bars: a cross of two 4h series fires once, on the bar it shows.
   */
  const clockOf: (string | null)[] = [];
  const readsBar = new RegExp(`\\b(${Object.values(BAR_VARS).join("|")})\\b`);

  // Outputs others read from outside the function get a slot in `v`.
  let slots = 0;
  const outputSlots = spec.nodes.map((_, i) => blocks[i]!.outputs.map(() => -1));
  const publish = (node: number, port: number) => {
    const row = outputSlots[node]!;
    if (row[port]! < 0) row[port] = slots++;
    return row[port]!;
  };

  // Index of the bar being run, for reading shared series; declared only when one is used.
  let barIndex = "";
  const entries: EntryRule[] = [];
  const exitSlots: number[] = [];
  /** Names, in the generated code, of the entry rules' signals (in rule order) and of the exit signals. */
  const entrySignals: string[] = [];
  const exitSignals: string[] = [];
  const entryRefs: { node: number; port: number }[] = [];
  const exitRefs: { node: number; port: number }[] = [];
  const recorded: Program["recorded"] = [];
  const charted: string[] = [];
  /** The rule of each entry node, by spec index, for the risk blocks attached to it. */
  const entryOf = new Map<number, EntryRule>();
  for (const i of emitOrder) {
    const n = spec.nodes[i]!;
    const block = blocks[i]!;
    if (block.role === "compute") {
      // Numbers typed into a block (a limit to compare with) come from the context, not the source,
      // so a sweep over one shares a single generated program (see `constant`).
      const inputs = n.inputs.map((ref) => ("const" in ref ? io.constant(ref.const) : outName(ref.node, ref.port)));
      const outputs = block.outputs.map((_, port) => outName(i, port));
      // A spec may come from storage: re-check its params so nothing unvalidated shapes the code.
      const params = block.params.parse(n.params);
      const own = (params as { timeframe?: string }).timeframe;
      const fed = n.inputs.flatMap((ref) => ("node" in ref ? [clockOf[ref.node]!] : []));
      let clock: string | null = block.category === "source" && own !== undefined && own !== "flow" ? own : null;
      if ((block.category === "indicator" || block.category === "math") && fed.length > 0 && fed[0] !== null && fed.every((c) => c === fed[0])) clock = fed[0]!;
      const pre = opts.shared?.(i);
      if (pre && pre.length === outputs.length) {
        // Sweeps: the node's series computed once (held between higher-timeframe candles as here);
        // it keeps its clock, so a block fed by it still updates once per higher candle.
        if (!barIndex) barIndex = io.counter(0);
        body.push(outputs.map((o, port) => `const ${o} = ${io.keep(pre[port]!)}[bi];`).join(" "));
        clockOf[i] = clock;
      } else {
        const ticked = clock !== null && block.category !== "source" ? higher(clock).ticked : null;
        const emitted = block.emit!(params as never, {
          inputs,
          outputs: ticked ? outputs.map((o) => `${o}$h`) : outputs,
          ...io,
          higher: (tf) => higher(tf).vars,
        });
        if (ticked && !readsBar.test(emitted)) {
          const held = outputs.map(() => io.state(NaN));
          body.push(
            [`if (${ticked} === 1) {`, ...indent([emitted, ...outputs.map((o, k) => `${held[k]} = ${o}$h;`)], 1), "}", ...outputs.map((o, k) => `const ${o} = ${held[k]};`)].join("\n"),
          );
        } else {
          if (ticked) clock = null;
          body.push(ticked ? block.emit!(params as never, { inputs, outputs, ...io, higher: (tf) => higher(tf).vars }) : emitted);
        }
        clockOf[i] = clock;
      }
      if (block.category === "indicator" || block.category === "math") {
        charted.push(...outputs);
        if (opts.record) block.outputs.forEach((_, port) => recorded.push({ node: i, port, slot: publish(i, port) }));
      }
      continue;
    }
    clockOf[i] = null;
    const ref = n.inputs[0];
    if (!ref || "const" in ref) throw new Error(`${n.kind} without an input in spec`);
    if (block.role === "entry") {
      const p = n.params as { sizeMode: Sizing["mode"]; size: number; offsetPct?: number; validBars?: number; fill?: "through" | "touch" };
      const rule: EntryRule = {
        type: n.kind === "limitBuy" ? "limit" : "market",
        signalSlot: -1, // published below
        sizing: { mode: p.sizeMode, value: p.size },
        offsetPct: p.offsetPct ?? NaN,
        validBars: p.validBars ?? NaN,
        fillOnTouch: p.fill === "touch",
        stopLossPct: NaN,
        takeProfitPct: NaN,
        trailingPct: NaN,
        takeProfitSteps: [],
        safetyOrders: null,
        maxPosition: null,
      };
      entries.push(rule);
      entryRefs.push(ref);
      entrySignals.push(outName(ref.node, ref.port));
      entryOf.set(i, rule);
    } else if (block.role === "exit") {
      exitRefs.push(ref);
      exitSignals.push(outName(ref.node, ref.port));
    }
  }
  // Charted series in spec order, whatever order they were emitted in.
  recorded.sort((a, b) => a.node - b.node || a.port - b.port);
  // Entry signals get their slots first, then exit signals, whatever the spec order (see outName).
  entryRefs.forEach((ref, k) => (entries[k]!.signalSlot = publish(ref.node, ref.port)));
  for (const ref of exitRefs) exitSlots.push(publish(ref.node, ref.port));

  // Risk blocks refer back to their entry's order output.
  spec.nodes.forEach((n, i) => {
    if (blocks[i]!.role !== "risk") return;
    const ref = n.inputs[0];
    const rule = ref && "node" in ref ? entryOf.get(ref.node) : undefined;
    if (!rule) throw new Error(`${n.kind} not attached to an entry in spec`);
    const p = n.params as { pct: number; sellPct: number; count: number; stepPct: number; sizeMode: string; size: number; scale: number; mode: "quote" | "base"; value: number };
    if (n.kind === "stopLoss") rule.stopLossPct = p.pct;
    else if (n.kind === "takeProfit") rule.takeProfitPct = p.pct;
    else if (n.kind === "trailingStop") rule.trailingPct = p.pct;
    else if (n.kind === "partialTakeProfit") {
      rule.takeProfitSteps.push({ pct: p.pct, sellPct: p.sellPct });
      rule.takeProfitSteps.sort((a, b) => a.pct - b.pct);
    } else if (n.kind === "safetyOrders") {
      const mode = p.sizeMode === "percentCash" ? "percentEquity" : (p.sizeMode as Sizing["mode"]);
      rule.safetyOrders = { count: p.count, stepPct: p.stepPct, sizing: { mode, value: p.size }, scale: p.scale };
    } else if (n.kind === "maxPosition") rule.maxPosition = { mode: p.mode, value: p.value };
  });

  // In slot order, for the same reason as the names.
  const published: [slot: number, name: string][] = [];
  outputSlots.forEach((row, i) =>
    row.forEach((slot, port) => {
      if (slot >= 0) published.push([slot, outName(i, port)]);
    }),
  );
  const publishing = published.sort((a, b) => a[0] - b[0]).map(([slot, name]) => `v[${slot}] = ${name};`);

  // NaN + anything is NaN, so the sum × 0 is 0 exactly when every output has a value.
  const warmth = charted.length > 0 ? `(${charted.join(" + ")}) * 0` : "0";
  const warmSlot = charted.length > 0 ? slots++ : -1;
  if (warmSlot >= 0) publishing.push(`v[${warmSlot}] = ${warmth};`);

  // Shared series are read at the bar's index, counted in the state like any block's (so `update`, bar by bar, and `run` agree).
  if (barIndex) body.unshift(`const bi = ${barIndex}; ${barIndex} = bi + 1;`);
  const recordedNames = recorded.map((r) => outName(r.node, r.port));
  const bodyText = body.join("\n");
  // The close is always read: the equity is marked to it and orders are placed at it.
  const usedFields = BAR_FIELDS.flatMap((name, k) => (name === BAR_VARS.close || new RegExp(`\\b${name}\\b`).test(bodyText) ? [k] : []));
  // State between bars lives in `st`; the code works on it as local variables, read at the start
  // and written back at the end: once per bar in `update`, once per run (not per bar) in `run`.
  const loadState = stateInits.length > 0 ? [`let ${stateInits.map((_, k) => `$s${k} = st[${k}]${stateInts[k] ? " | 0" : ""}`).join(", ")};`] : [];
  const saveState = stateInits.map((_, k) => `st[${k}] = $s${k};`);
  const loadKept = [
    ...(kept.length > 0 ? [`const ${kept.map((_, k) => `k${k} = kept[${k}]`).join(", ")};`] : []),
    ...(consts.length > 0 ? [`const ${consts.map((_, k) => `$p${k} = consts[${k}]`).join(", ")};`] : []),
  ];
  const source = [
    '"use strict";',
    // The classes behind k0, k1, …: programs differing only in them do not share functions.
    `// ${kept.map((obj, k) => `k${k}: ${obj.constructor.name}`).join(", ")}`,
    "function update($c) {",
    `  ${CONTEXT}`,
    ...indent(loadKept, 1),
    ...indent(loadState, 1),
    `  const ${BAR_FIELDS.map((name, k) => `${name} = bar[${k}]`).join(", ")};`,
    ...indent(body, 1),
    ...indent(saveState, 1),
    ...indent(publishing, 1),
    "}",
    "function decide(state, $c) {",
    "  const v = $c.v;",
    ...indent(decision("state", entrySignals.map((_, k) => `v[${entries[k]!.signalSlot}]`), exitSlots.map((slot) => `v[${slot}]`), (a) => `return ${a};`), 1),
    `  return ${NO_ACTION};`,
    "}",
    // The backtest's loop: the same statements as `update`, the bar read from the columns, the
    // decision taken on the locals and handed to the broker (what Session.next does, bar by bar).
    // One function for the whole run lets the JIT keep every value in registers, inline the
    // indicators' updates and skip the broker on bars where it has nothing to do.
    "function run(cols, from, to, broker, tally, $c) {",
    `  ${CONTEXT}`,
    "  const $time = cols.time, $open = cols.open, $high = cols.high, $low = cols.low, $close = cols.close, $volume = cols.volume, $equity = cols.equity;",
    ...recordedNames.map((_, k) => `  const $rec${k} = cols.recorded[${k}];`),
    ...indent(loadKept, 1),
    ...indent(loadState, 1),
    "  let $inMarket = 0, $first = tally.firstTradable;",
    // The broker's state as locals, read again after each call that can change it (onBar, submit).
    `  let ${SYNC_BROKER.replaceAll(";", ",").replace(/,$/, ";")}`,
    "  for (let $i = from; $i < to; $i++) {",
    // Only the fields the blocks read (a typed-array read is never dropped as dead code: it is
    // bounds-checked); the broker gets the whole bar on the bars it has work to do.
    ...(usedFields.length > 0 ? [`    const ${usedFields.map((k) => `${BAR_FIELDS[k]} = $${COLUMN_NAMES[k]}[$i]`).join(", ")};`] : []),
    "    if ($busy) {",
    `      ${BAR_FIELDS.map((name, k) => `bar[${k}] = ${usedFields.includes(k) ? name : `$${COLUMN_NAMES[k]}[$i]`};`).join(" ")}`,
    `      broker.onBar(bar); ${SYNC_BROKER}`,
    "    }",
    ...indent(body, 2),
    ...indent(decision("$state", entrySignals, exitSignals, (a) => `{ broker.submit(${a}, entries, ${BAR_VARS.close}); ${SYNC_BROKER} }`), 2),
    `    $equity[$i] = $cash + $qty * ${BAR_VARS.close};`,
    "    if ($qty > 0) $inMarket++;",
    `    if ($first < 0 && ${warmth} === 0) $first = $i;`,
    ...recordedNames.map((name, k) => `    $rec${k}[$i] = ${name};`),
    "  }",
    ...indent(saveState, 1),
    "  tally.inMarket += $inMarket;",
    "  tally.firstTradable = $first;",
    "}",
    "return { update, decide, run };",
  ].join("\n");
  const bar = new Float64Array(BAR_FIELDS.length);
  const v = new Float64Array(Math.max(1, slots)).fill(NaN);
  const st = Float64Array.from(stateInits);
  const context = new Context(bar, v, st, entries, kept, Float64Array.from(consts));
  const fns = functionsFor(source);
  return {
    update: () => fns.update(context),
    decide: (state) => fns.decide(state, context),
    run: (cols, from, to, broker, tally) => fns.run(cols, from, to, broker, tally, context),
    bar,
    v,
    outputSlots,
    entries,
    exitSlots,
    recorded,
    warmSlot,
    source,
  };
}

/**
 * What differs between two programs with the same source: handed to the shared functions on every call.
 *
 * A class, not an object literal. V8 records the class of what each field of an object holds (here
 * always a Float64Array or an array) and compiles the backtest loop relying on it; but the second
 * time one literal is evaluated, V8 makes the literal a template whose fields hold "uninitialised",
 * which widens every such record to "anything" and throws the loop's compiled code away. When that
 * happened between two runs, with the loop not running, V8 went on entering the loop through its
 * on-stack-replacement code (compiled for a loop entered midway: slower, and never replaced because
 * the calls themselves do too little to count as hot) — the engine ran 1.5× slower for the rest of
 * the process in about half the processes. Objects a class constructor makes keep their records.
 */
class Context {
  constructor(
    readonly bar: Float64Array,
    readonly v: Float64Array,
    readonly st: Float64Array,
    readonly entries: EntryRule[],
    readonly kept: object[],
    /** The blocks' numbers (`EmitIo.constant`), read into locals `$p0`, `$p1`, … at the start of a call. */
    readonly consts: Float64Array,
  ) {}
}

const CONTEXT = "const bar = $c.bar, v = $c.v, st = $c.st, entries = $c.entries, kept = $c.kept, consts = $c.consts;";

interface SharedFunctions {
  update: (c: Context) => void;
  decide: (state: PositionState, c: Context) => number;
  run: (cols: RunColumns, from: number, to: number, broker: SimBroker, tally: RunTally, c: Context) => void;
}

/**
 * One set of functions per distinct source, made once: every program built from it calls the very
 * same functions with its own context, so they share the JIT's type feedback and optimised code. A
 * sweep's thousandth backtest runs optimised from its first bar instead of warming up again, and a
 * chunked run does not fall out of optimised code at the end of each chunk. (Closures made anew per
 * program, even from one compiled factory, did not share it reliably: each could be compiled again.)
 */
const functions = new Map<string, SharedFunctions>();
const MAX_FUNCTIONS = 256;

function functionsFor(source: string): SharedFunctions {
  let fns = functions.get(source);
  if (!fns) {
    fns = (new Function(source) as () => SharedFunctions)();
    if (functions.size >= MAX_FUNCTIONS) functions.delete(functions.keys().next().value!);
    functions.set(source, fns);
  }
  return fns;
}

/**
 * The order blocks are emitted in: compute blocks in a topological order that depends only on the
 * flow's shape (each ready block by its kind, where its inputs were emitted and which inputs of
 * which kinds of block read it — so a fast and a slow average differ — remaining ties in spec order),
 * then the others in spec order (entry rules keep their priority). The spec sorts blocks by a hash
 * of their params, so without this a sweep over one number (an RSI limit) could move a block and
 * generate another source for some values. Blocks only read what was emitted before them, so the
 * order changes no value.
 */
function emissionOrder(spec: StrategySpec, blocks: readonly BlockDef[]): number[] {
  const n = spec.nodes.length;
  const position = new Array<number>(n).fill(-1);
  const order: number[] = [];
  const compute = spec.nodes.flatMap((_, i) => (blocks[i]!.role === "compute" ? [i] : []));
  const uses = spec.nodes.map(() => [] as string[]);
  spec.nodes.forEach((node, j) => node.inputs.forEach((ref, k) => "node" in ref && uses[ref.node]!.push(`${node.kind}.${k}.${ref.port}`)));
  const readBy = uses.map((u) => u.sort().join(","));
  const ready = (i: number) => spec.nodes[i]!.inputs.every((ref) => "const" in ref || position[ref.node]! >= 0);
  const key = (i: number) => `${spec.nodes[i]!.kind}(${spec.nodes[i]!.inputs.map((ref) => ("const" in ref ? "c" : `${position[ref.node]}.${ref.port}`)).join(",")})>${readBy[i]}`;
  let left = compute;
  while (left.length > 0) {
    let best = -1;
    let bestKey = "";
    for (const i of left) {
      if (!ready(i)) continue;
      const k = key(i);
      if (best < 0 || k < bestKey) [best, bestKey] = [i, k];
    }
    // Not a DAG of compute blocks (cannot happen for a compiled spec): keep the spec's order.
    if (best < 0) return spec.nodes.map((_, i) => i);
    position[best] = order.length;
    order.push(best);
    left = left.filter((i) => i !== best);
  }
  for (let i = 0; i < n; i++) if (blocks[i]!.role !== "compute") order.push(i);
  return order;
}

/** Reads the broker's state into the run loop's locals. */
const SYNC_BROKER = "$busy = !broker.idle(); $state = broker.state(); $qty = broker.qty; $cash = broker.cash;";

const COLUMN_NAMES = ["time", "open", "high", "low", "close", "volume"];

function indent(lines: string[], depth: number): string[] {
  const pad = "  ".repeat(depth);
  return lines.flatMap((line) => line.split("\n")).map((line) => pad + line);
}

/**
 * The decision, as code: flat, the first entry rule whose signal is 1 acts; long or with an entry
 * pending, any exit signal that is 1 exits (or cancels the pending entry). `act` turns the action
 * (a rule index or EXIT) into the statement that takes it.
 */
function decision(state: string, entrySignals: string[], exitSignals: string[], act: (action: number) => string): string[] {
  const lines = [`if (${state} === ${FLAT}) {`];
  entrySignals.forEach((sig, k) => lines.push(`  ${k > 0 ? "else " : ""}if (${sig} === 1) ${act(k)}`));
  lines.push("}");
  if (exitSignals.length > 0) lines.push(`else if (${exitSignals.map((sig) => `${sig} === 1`).join(" || ")}) ${act(EXIT)}`);
  return lines;
}
