// `keyflow sweep | walkforward | montecarlo`: parameter research on one flow, from the command line.
// Loads the engine and worker threads only — no database, no exchange library.
import { parseArgs } from "node:util";
import {
  backtest,
  beforeHoldout,
  compileFlow,
  constraintsSchema,
  monteCarlo,
  monteCarloSettingsSchema,
  namedCombo,
  objectiveSchema,
  paramKey,
  RESEARCH_WORDS,
  runSweep,
  runWalkForward,
  sweepMethodSchema,
  sweepSettingsSchema,
  sweepSpace,
  TEMPLATES,
  TIMEFRAME_MS,
  walkForwardSettingsSchema,
  type Candles,
  type FlowGraph,
  type MonteCarloResult,
  type SweepParam,
  type SweepRow,
  type WalkForwardResult,
} from "@keyflow/core";
import { applyParamSpec, applyParamValue } from "../research/paramSpec";
import type { SweepBackend } from "../research/sweepBackend";
import { backendFromEnv } from "../research/backendFromEnv";
import { demoCandles, InputError, loadCsv, loadFlow } from "./flowInput";

const COMMON = `  <flow.json>        a flow or template file saved by Keyflow; <template-id>: ${TEMPLATES.map((t) => t.id).join(", ")}
  --data             candles CSV (time,open,high,low,close,volume); default: the demo market, one year
  --param            <node>.<setting>=<from>..<to>[:step] or =a,b,c; repeat for more (default: the flow's own ranges)
  --method           grid | random | halving (successive halving over the date range)   [grid]
  --samples          combinations drawn by random / started with by halving              [200]
  --seed             seed of random and halving                                           [1]
  --objective        ${objectiveSchema.options.join(" | ")}   [equity]
  --min-trades       rank combinations with fewer trades last                             [0]
  --max-drawdown     rank combinations with a deeper drawdown (%) last
  --holdout-from     date: candles from then on are a hold-out that is never read
  --threads          worker threads                                                       [one per core]
                     (with KEYFLOW_REDIS_URL set, chunks go to the queue for keyflow worker processes instead)
  --json             print one JSON object on stdout`;

const USAGE = {
  sweep: `Usage: keyflow sweep <flow.json | template-id> [--data candles.csv] --param fast.period=5..14 --param slow.period=20..29[:step] [options]\n\n${COMMON}`,
  walkforward: `Usage: keyflow walkforward <flow.json | template-id> --param … --windows 5 --in 2000 --out 500 [--anchored] [options]\n\n${COMMON}
  --windows          number of windows                                                     [5]
  --in / --out       in-sample and out-of-sample length of a window, in bars
  --anchored         in-sample parts all start at the first window (default: rolling)`,
  montecarlo: `Usage: keyflow montecarlo <flow.json | template-id> [--data candles.csv] [--param fast.period=12 …] [--runs 1000] [--resample shuffle|bootstrap] [--seed 1] [--json]

  Runs the flow once (with --param values set) and resamples its trades.`,
} as const;
type Command = keyof typeof USAGE;

const OPTIONS = {
  data: { type: "string" },
  param: { type: "string", multiple: true },
  method: { type: "string" },
  samples: { type: "string" },
  seed: { type: "string" },
  objective: { type: "string" },
  "min-trades": { type: "string" },
  "max-drawdown": { type: "string" },
  "holdout-from": { type: "string" },
  threads: { type: "string" },
  windows: { type: "string" },
  in: { type: "string" },
  out: { type: "string" },
  anchored: { type: "boolean", default: false },
  runs: { type: "string" },
  resample: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Returns the process exit code; `backend` is for tests (default: worker threads). */
export async function runResearchCommand(command: Command, argv: string[], backend?: SweepBackend): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    if (values.help) {
      process.stdout.write(`${USAGE[command]}\n`);
      return 0;
    }
    const [source] = positionals;
    if (!source || positionals.length > 1) throw new InputError(`Give exactly one flow file or template id.\n\n${USAGE[command]}`);
    let flow = loadFlow(source);
    const allCandles = values.data ? loadCsv(values.data) : demoCandles(flow);
    const holdoutFrom = values["holdout-from"] === undefined ? undefined : dateMs("--holdout-from", values["holdout-from"]);
    const candles = beforeHoldout(allCandles, holdoutFrom);
    if (candles.length < 2) throw new InputError("No candles before the hold-out; move --holdout-from later.");

    if (command === "montecarlo") return await monteCarloCommand(flow, values.param ?? [], candles, values, backend);

    for (const spec of values.param ?? []) {
      const r = applyParamSpec(flow, spec);
      if (!r.ok) throw new InputError(r.error);
      flow = r.flow;
    }
    const space = sweepSpace(flow);
    if (!space.ok) throw new InputError(space.errors.join("\n"));
    const settings = sweepSettingsSchema.safeParse({
      method: values.method === undefined ? undefined : pick("--method", values.method, sweepMethodSchema.options),
      samples: int("--samples", values.samples),
      seed: int("--seed", values.seed),
      objective: values.objective === undefined ? undefined : pick("--objective", values.objective, objectiveSchema.options),
      constraints: constraintsSchema.parse({ minTrades: int("--min-trades", values["min-trades"]) ?? 0, maxDrawdownPct: num("--max-drawdown", values["max-drawdown"]) }),
    });
    if (!settings.success) throw new InputError(settings.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n"));
    const threads = int("--threads", values.threads);
    const runOn = backend ?? backendFromEnv(process.env, threads ? { threads } : {});
    const session = await runOn.open({ flow, params: space.params, candles });
    const started = performance.now();
    const onProgress = values.json && !process.stderr.isTTY ? undefined : ({ done, total }: { done: number; total: number }) => process.stderr.write(`\r  ${done} / ${total} runs`);
    try {
      if (command === "sweep") {
        const out = await runSweep(space.params, settings.data, candles.length, session.runner, { parallel: session.parallel, onProgress });
        if (!out.ok) throw new InputError(out.error);
        if (onProgress) process.stderr.write("\n");
        const r = out.result;
        if (values.json) {
          process.stdout.write(
            `${JSON.stringify({
              params: r.params.map(paramKey),
              objective: r.settings.objective,
              method: r.settings.method,
              bars: candles.length,
              combinations: r.rows.map((row) => rowJson(r.params, row)),
              best: r.best === null ? null : rowJson(r.params, r.rows[r.best]!),
              trials: r.trials,
              deflatedSharpe: r.deflatedSharpe,
              pbo: r.pbo,
            })}\n`,
          );
        } else {
          process.stdout.write(sweepSummary(flow, space.params, r.rows, r.best, performance.now() - started, candles));
          process.stdout.write(
            [
              `  Trials             ${r.trials}  — ${RESEARCH_WORDS.trials}`,
              `  Deflated Sharpe    ${fmt(r.deflatedSharpe, 3)}  — ${RESEARCH_WORDS.deflatedSharpe}`,
              `  PBO                ${fmt(r.pbo, 3)}  — ${RESEARCH_WORDS.pbo}`,
              "",
            ].join("\n"),
          );
        }
        return 0;
      }
      const wf = walkForwardSettingsSchema.safeParse({
        mode: values.anchored ? "anchored" : "rolling",
        windows: int("--windows", values.windows),
        inSampleBars: int("--in", values.in),
        outOfSampleBars: int("--out", values.out),
      });
      if (!wf.success) throw new InputError(`${wf.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")}\n\n${USAGE.walkforward}`);
      const out = await runWalkForward(space.params, settings.data, wf.data, candles.length, session.runner, { parallel: session.parallel, onProgress });
      if (!out.ok) throw new InputError(out.error);
      if (onProgress) process.stderr.write("\n");
      const r = out.result;
      const windows = r.windows.map((w) => ({
        inSample: { from: candles.time[w.inSample.from]!, to: candles.time[w.inSample.to - 1]! },
        outOfSample: { from: candles.time[w.outOfSample.from]!, to: candles.time[w.outOfSample.to - 1]! },
        params: w.combo ? namedCombo(r.params, w.combo) : null,
        inSampleScore: w.inSampleScore,
        outOfSampleReturnPct: w.outOfSampleReturnPct,
        outOfSampleTrades: w.outOfSampleTrades,
      }));
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ params: r.params.map(paramKey), mode: r.settings.mode, windows, stitchedReturnPct: r.stitchedReturnPct, efficiency: r.efficiency, stitchedEquity: stitchedJson(r) })}\n`);
      } else {
        const lines = windows.map(
          (w, k) =>
            `  ${String(k + 1).padStart(2)}  ${day(w.inSample.from)} → ${day(w.inSample.to)} | ${day(w.outOfSample.from)} → ${day(w.outOfSample.to)}  ${w.params ? Object.entries(w.params).map(([key, v]) => `${key}=${v}`).join(" ") : "no combination met the constraints"}  OOS ${fmt(w.outOfSampleReturnPct, 2)} %`,
        );
        process.stdout.write(
          [
            `\n  ${flow.name} — walk-forward (${r.settings.mode}), ${windows.length} windows: in sample | out of sample, chosen, out-of-sample return`,
            ...lines,
            `\n  Stitched out-of-sample return ${fmt(r.stitchedReturnPct, 2)} %`,
            `  Walk-forward efficiency       ${fmt(r.efficiency, 2)}  — ${RESEARCH_WORDS.walkForwardEfficiency}`,
            "",
          ].join("\n"),
        );
      }
      return 0;
    } finally {
      await session.close();
      if (!backend) await runOn.close();
    }
  } catch (err) {
    if (err instanceof InputError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`keyflow ${command}: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

/**
 * The stitched out-of-sample curve for --json, compact: the starting cash and one value per
 * out-of-sample bar in cents (window k's bars start at the sum of the earlier windows' lengths).
 */
function stitchedJson(r: WalkForwardResult): { start: number; cents: number[] } | null {
  if (!r.stitchedEquity || r.stitchedStart === undefined) return null;
  return { start: r.stitchedStart, cents: r.stitchedEquity.map((v) => Math.round(v * 100)) };
}

async function monteCarloCommand(flow: FlowGraph, params: string[], candles: Candles, values: { runs?: string; resample?: string; seed?: string; json?: boolean }, backend?: SweepBackend): Promise<number> {
  for (const spec of params) {
    const r = applyParamValue(flow, spec);
    if (!r.ok) throw new InputError(r.error);
    flow = r.flow;
  }
  const compiled = compileFlow(flow);
  if (!compiled.ok) throw new InputError(`The flow "${flow.name}" does not compile:\n${compiled.errors.map((e) => `  ✗ ${e.nodeId ? `[${e.nodeId}] ` : ""}${e.message}`).join("\n")}`);
  const settings = monteCarloSettingsSchema.safeParse({
    method: values.resample === undefined ? undefined : pick("--resample", values.resample, ["shuffle", "bootstrap"]),
    runs: int("--runs", values.runs),
    seed: int("--seed", values.seed),
  });
  if (!settings.success) throw new InputError(settings.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n"));
  const result = backtest(compiled.spec, candles, flow.settings, { hash: compiled.hash, timeframeMs: TIMEFRAME_MS[flow.market.timeframe] });
  if (result.trades.length < 2) throw new InputError(`The flow made ${result.trades.length} trade(s) on these candles; Monte Carlo needs at least 2.`);
  // On the queue's workers when KEYFLOW_REDIS_URL is set (the same numbers either way).
  const runOn = backend ?? backendFromEnv(process.env);
  const pnls = result.trades.map((t) => t.pnl);
  let mc: MonteCarloResult;
  try {
    mc = runOn.monteCarlo ? await runOn.monteCarlo(flow.settings.initialCash, pnls, settings.data) : monteCarlo(flow.settings.initialCash, pnls, settings.data);
  } finally {
    if (!backend) await runOn.close();
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(mc)}\n`);
    return 0;
  }
  const d = (x: { p5: number; p50: number; p95: number }, f: (v: number) => string) => `${f(x.p5)} / ${f(x.p50)} / ${f(x.p95)}`;
  process.stdout.write(
    [
      `\n  ${flow.name} — Monte Carlo, ${mc.settings.runs} ${mc.settings.method} runs over ${mc.trades} trades (seed ${mc.settings.seed})`,
      `                     5th / 50th / 95th percentile        actual`,
      `  Max drawdown       ${d(mc.maxDrawdownPct, (v) => `${v.toFixed(2)} %`).padEnd(36)} ${mc.actual.maxDrawdownPct.toFixed(2)} %`,
      `  Final equity       ${d(mc.finalEquity, (v) => v.toFixed(2)).padEnd(36)} ${mc.actual.finalEquity.toFixed(2)}`,
      `\n  ${RESEARCH_WORDS.monteCarlo}`,
      "",
    ].join("\n"),
  );
  return 0;
}

function rowJson(params: readonly SweepParam[], row: SweepRow) {
  return {
    params: namedCombo(params, row.combo),
    metrics: row.metrics,
    score: Number.isFinite(row.score) ? row.score : null,
    ...(row.error ? { error: row.error } : {}),
  };
}

function sweepSummary(flow: FlowGraph, params: readonly SweepParam[], rows: readonly SweepRow[], best: number | null, ms: number, candles: Candles): string {
  const top = rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => b.row.score - a.row.score || a.i - b.i)
    .slice(0, 10);
  const keys = params.map(paramKey);
  const head = `  ${keys.map((k) => k.padEnd(Math.max(8, k.length))).join(" ")}  ${"score".padStart(12)} ${"return %".padStart(10)} ${"max DD %".padStart(9)} ${"Sharpe".padStart(7)} ${"trades".padStart(6)}`;
  const lines = top.map(({ row }) => {
    const m = row.metrics;
    const cells = row.combo.map((v, j) => String(v).padEnd(Math.max(8, keys[j]!.length))).join(" ");
    return m
      ? `  ${cells}  ${fmt(Number.isFinite(row.score) ? row.score : null, 2).padStart(12)} ${m.totalReturnPct.toFixed(2).padStart(10)} ${m.maxDrawdownPct.toFixed(2).padStart(9)} ${m.sharpe.toFixed(2).padStart(7)} ${String(m.trades).padStart(6)}`
      : `  ${cells}  ${row.error ?? "did not run"}`;
  });
  const bestLine =
    best === null ? "  No combination met the constraints." : `  Best: ${keys.map((k, j) => `${k}=${rows[best]!.combo[j]}`).join(" ")}`;
  return [`\n  ${flow.name} — ${rows.length} combinations over ${candles.length.toLocaleString("en-US")} bars in ${(ms / 1000).toFixed(2)} s (top 10)`, head, ...lines, "", bestLine, ""].join("\n");
}

const fmt = (x: number | null, d: number) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function int(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new InputError(`${flag} must be a whole number, got "${text}".`);
  return n;
}

function num(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new InputError(`${flag} must be a number, got "${text}".`);
  return n;
}

function pick<T extends string>(flag: string, text: string, options: readonly T[]): T {
  if (!(options as readonly string[]).includes(text)) throw new InputError(`${flag} must be one of ${options.join(", ")}; got "${text}".`);
  return text as T;
}

function dateMs(flag: string, text: string): number {
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(t)) throw new InputError(`${flag} must be a date like 2023-07-01, got "${text}".`);
  return t;
}
