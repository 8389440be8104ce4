import { BAR_VARS, type CandleVars, type EmitIo } from "../catalogue/types";
import { num } from "../catalogue/emit";
import { TIMEFRAME_MS, timeframeSchema, type Timeframe } from "../flow/schema";

/**
 * Higher-timeframe candles are built inside the program from the flow's own bars, not read from
 * another series: backtest, paper and live then see the same higher candles by construction (one
 * evaluator, one input), with no second feed to align, download or keep in step.
 *
 * Buckets are UTC-aligned (weeks start on Monday 00:00 UTC, as exchanges' weekly candles do). A
 * bucket becomes visible on the base bar that closes it (open time + base length reaches the
 * bucket's end): in a 15m flow the 00:00–04:00 candle is visible from the bar opening at 03:45,
 * never before. When data has a hole at the end of a bucket, the bucket shows on the first bar
 * after it instead. The first bucket the program sees is skipped unless its first bar is the
 * bucket's first: a candle built from a tail would differ between a backtest and a bot that started
 * mid-bucket.
 */

/** Weeks: the epoch was a Thursday; Monday 1970-01-05 00:00 UTC is 4 days later. */
const WEEK_OFFSET_MS = 4 * 86_400_000;

export function bucketOffsetMs(timeframe: Timeframe): number {
  return timeframe === "1w" ? WEEK_OFFSET_MS : 0;
}

/** Why a higher timeframe cannot be read from a flow of `base`, or null when it can. */
export function higherTimeframeProblem(timeframe: string, base: Timeframe): string | null {
  const parsed = timeframeSchema.safeParse(timeframe);
  if (!parsed.success) return `"${timeframe}" is not a timeframe`;
  const t = TIMEFRAME_MS[parsed.data];
  const b = TIMEFRAME_MS[base];
  if (t <= b) return `${timeframe} is not higher than the flow's ${base}; pick a longer timeframe or "flow"`;
  if (t % b !== 0) return `${timeframe} is not a whole number of the flow's ${base} candles; pick one that is (e.g. ${suggest(base)})`;
  return null;
}

function suggest(base: Timeframe): string {
  const b = TIMEFRAME_MS[base];
  return timeframeSchema.options.filter((tf) => TIMEFRAME_MS[tf] > b && TIMEFRAME_MS[tf] % b === 0).slice(0, 3).join(", ") || "none";
}

/** One higher timeframe inside a program: the code that keeps its candle, and where it is. */
export interface HigherClock {
  /** Statements run on every base bar, before any block reading it. */
  code: string;
  /** The last closed higher candle. */
  vars: CandleVars;
  /** 1 on the bar where a new higher candle became visible, else 0. */
  ticked: string;
}

/**
 * Code that aggregates the base bars into `timeframe` candles. `state`/`counter` come from the
 * program (values kept between bars); `id` makes the local names unique.
 */
export function higherClock(timeframe: Timeframe, base: Timeframe, id: number, io: Pick<EmitIo, "state" | "counter">): HigherClock {
  const problem = higherTimeframeProblem(timeframe, base);
  if (problem) throw new Error(`higher timeframe in spec: ${problem}`);
  const T = TIMEFRAME_MS[timeframe];
  const B = TIMEFRAME_MS[base];
  const off = bucketOffsetMs(timeframe);
  const { time: t, open: o, high: h, low: l, close: c, volume: v } = BAR_VARS;
  // The bucket being built, and whether it may be shown (0: seen from its middle) or was shown.
  const start = io.state(NaN);
  const [bo, bh, bl, bc, bv] = [io.state(NaN), io.state(NaN), io.state(NaN), io.state(NaN), io.state(NaN)];
  const full = io.counter(0);
  const shown = io.counter(0);
  const seen = io.counter(0);
  // The last closed candle, what blocks read.
  const vars: CandleVars = { open: io.state(NaN), high: io.state(NaN), low: io.state(NaN), close: io.state(NaN), volume: io.state(NaN) };
  const ticked = `$tick${id}`;
  const k = `$bucket${id}`;
  const show = `${vars.open} = ${bo}; ${vars.high} = ${bh}; ${vars.low} = ${bl}; ${vars.close} = ${bc}; ${vars.volume} = ${bv}; ${ticked} = 1;`;
  const code = [
    `// ${timeframe} candles from the ${base} bars`,
    `let ${ticked} = 0;`,
    `const ${k} = Math.floor((${t} - ${num(off)}) / ${num(T)}) * ${num(T)} + ${num(off)};`,
    `if (${k} !== ${start}) {`,
    // A bucket that ended in a hole of the data shows now, with what it had.
    `  if (${shown} === 0 && ${full} === 1) { ${show} }`,
    `  ${full} = ${seen} === 0 && ${t} !== ${k} ? 0 : 1; ${seen} = 1; ${shown} = 0;`,
    `  ${start} = ${k}; ${bo} = ${o}; ${bh} = ${h}; ${bl} = ${l}; ${bc} = ${c}; ${bv} = ${v};`,
    `} else {`,
    `  if (${h} > ${bh}) ${bh} = ${h};`,
    `  if (${l} < ${bl}) ${bl} = ${l};`,
    `  ${bc} = ${c}; ${bv} += ${v};`,
    `}`,
    `if (${shown} === 0 && ${full} === 1 && ${t} + ${num(B)} >= ${k} + ${num(T)}) { ${show} ${shown} = 1; }`,
  ].join("\n");
  return { code, vars, ticked };
}
