import { z } from "zod";
import type { BarRange, ChunkRunner } from "./evaluate";
import { runCombos, bestIndex, sweepCombos, type RunOptions, type SweepSettings, SweepCancelled } from "./sweep";
import type { Combo, SweepParam } from "./space";

export const walkForwardSettingsSchema = z.strictObject({
  mode: z.enum(["rolling", "anchored"]).default("rolling"),
  windows: z.number().int().min(1).max(100).default(5),
  /** In-sample length of each window, in bars (anchored: of the first window). */
  inSampleBars: z.number().int().min(10),
  /** Out-of-sample length of each window, in bars. */
  outOfSampleBars: z.number().int().min(2),
});
export type WalkForwardSettings = z.infer<typeof walkForwardSettingsSchema>;

export interface WalkWindow {
  inSample: BarRange;
  outOfSample: BarRange;
}

/**
 * Windows over bars [0, bars): the out-of-sample parts follow one another to the end of the range
 * without overlapping; each in-sample part ends where its out-of-sample part starts. Rolling: the
 * in-sample part has a fixed length; anchored: it always starts at the first window's start.
 */
export function walkForwardWindows(bars: number, s: WalkForwardSettings): { ok: true; windows: WalkWindow[] } | { ok: false; error: string } {
  const need = s.inSampleBars + s.windows * s.outOfSampleBars;
  if (need > bars) {
    return {
      ok: false,
      error: `${s.windows} windows of ${s.inSampleBars} in-sample and ${s.outOfSampleBars} out-of-sample bars need ${need.toLocaleString("en-US")} bars; there are ${bars.toLocaleString("en-US")}. Use fewer or shorter windows.`,
    };
  }
  const firstOos = bars - s.windows * s.outOfSampleBars;
  const windows = Array.from({ length: s.windows }, (_, k) => {
    const from = firstOos + k * s.outOfSampleBars;
    return {
      inSample: { from: s.mode === "anchored" ? firstOos - s.inSampleBars : from - s.inSampleBars, to: from },
      outOfSample: { from, to: from + s.outOfSampleBars },
    };
  });
  return { ok: true, windows };
}

export interface WalkForwardWindowResult extends WalkWindow {
  /** Chosen in sample; null when no combination met the constraints. */
  combo: Combo | null;
  inSampleScore: number | null;
  inSampleCagrPct: number | null;
  outOfSample: BarRange;
  outOfSampleReturnPct: number | null;
  outOfSampleCagrPct: number | null;
  outOfSampleTrades: number | null;
}

export interface WalkForwardResult {
  params: SweepParam[];
  settings: WalkForwardSettings;
  windows: WalkForwardWindowResult[];
  /** Out-of-sample returns compounded window after window, in %. */
  stitchedReturnPct: number;
  /**
   * The stitched out-of-sample equity, one value per out-of-sample bar from the first window's first
   * bar to the last window's last, in cents (see `stitchOutOfSample`). Absent in walk-forwards stored
   * before it existed.
   */
  stitchedEquity?: number[];
  /** The cash the stitched curve starts from (the flow's starting cash). */
  stitchedStart?: number;
  /**
   * Walk-forward efficiency: the mean annualised out-of-sample return over the mean annualised
   * in-sample return of the chosen combinations (near 1: held up; near 0 or below: fitted noise).
   */
  efficiency: number | null;
}

/** One window's out-of-sample run as the stitched curve needs it: its bars, and its equity (null: nothing was chosen). */
export interface OutOfSampleCurve {
  bars: number;
  equity: { start: number; values: ArrayLike<number> } | null;
}

const cents = (v: number) => Math.round(v * 100) / 100;

/**
 * The stitched out-of-sample equity curve. Convention: each window's out-of-sample run starts from
 * the flow's starting cash on its own (indicators warm up inside the window); in the stitched curve
 * it starts from the equity the previous window ended with, i.e. its curve is scaled by (previous
 * end ÷ starting cash) — its returns compounded onto what came before. That is exactly what carrying
 * the money over would give for sizing in % of equity; for fixed-size orders it is the window's
 * returns compounded. A window where no combination met the constraints does not trade: the curve
 * stays flat over it. The curve starts at the first window's starting cash; values are rounded to
 * cents (the scaling is not). Its last value is the starting cash times (1 + stitchedReturnPct).
 */
export function stitchOutOfSample(curves: readonly OutOfSampleCurve[], start: number): number[] {
  const out: number[] = [];
  let carried = start;
  for (const c of curves) {
    if (!c.equity) {
      for (let i = 0; i < c.bars; i++) out.push(cents(carried));
      continue;
    }
    const scale = carried / c.equity.start;
    const v = c.equity.values;
    for (let i = 0; i < v.length; i++) out.push(cents(v[i]! * scale));
    if (v.length > 0) carried = v[v.length - 1]! * scale;
  }
  return out;
}

/** A walk-forward cancelled part way: `partial` holds the windows it finished (their stitched curve and efficiency too). */
export class WalkForwardCancelled extends SweepCancelled {
  constructor(readonly partial: WalkForwardResult) {
    super();
  }
}

/** Optimises each window in sample (the sweep's method and objective) and runs the choice out of sample. */
export async function runWalkForward(
  params: SweepParam[],
  sweep: SweepSettings,
  wf: WalkForwardSettings,
  bars: number,
  runner: ChunkRunner,
  opts: RunOptions = {},
): Promise<{ ok: true; result: WalkForwardResult } | { ok: false; error: string }> {
  const layout = walkForwardWindows(bars, wf);
  if (!layout.ok) return layout;
  const space = sweepCombos(params, sweep);
  if (!space.ok) return space;
  const combos = space.combos;
  const total = layout.windows.length * (combos.length + 1);
  let base = 0;
  const windows: WalkForwardWindowResult[] = [];
  const curves: OutOfSampleCurve[] = [];
  let start: number | null = null;
  const summary = (): WalkForwardResult => summarise(params, wf, windows, curves, start);
  for (const [k, w] of layout.windows.entries()) {
    if (opts.signal?.aborted) throw new WalkForwardCancelled(summary());
    try {
      await runWindow(k, w);
    } catch (e) {
      throw e instanceof SweepCancelled ? new WalkForwardCancelled(summary()) : e;
    }
  }
  return { ok: true, result: summary() };

  async function runWindow(k: number, w: WalkWindow): Promise<void> {
    const rows = await runCombos(combos, w.inSample, sweep, runner, { ...opts, progressBase: base, progressTotal: total, idPrefix: `w${k}i:` });
    base += rows.length;
    const best = bestIndex(rows);
    if (best === null) {
      windows.push({ ...w, combo: null, inSampleScore: null, inSampleCagrPct: null, outOfSampleReturnPct: null, outOfSampleCagrPct: null, outOfSampleTrades: null });
      curves.push({ bars: w.outOfSample.to - w.outOfSample.from, equity: null });
      return;
    }
    const chosen = rows[best]!;
    const [oos] = await runner({ id: `w${k}o`, combos: [chosen.combo], bars: w.outOfSample, keepEquity: true });
    // Cancelled before the out-of-sample run was made (a stopped chunk hands back no run): the window is not finished (and not kept).
    if (!oos && opts.signal?.aborted) throw new SweepCancelled();
    base += 1;
    curves.push({ bars: w.outOfSample.to - w.outOfSample.from, equity: oos?.metrics ? (oos.equity ?? null) : null });
    start ??= oos?.equity?.start ?? null;
    opts.onProgress?.({ done: base, total, best: null });
    windows.push({
      ...w,
      combo: chosen.combo,
      inSampleScore: chosen.score,
      inSampleCagrPct: chosen.metrics!.cagrPct,
      outOfSampleReturnPct: oos?.metrics?.totalReturnPct ?? null,
      outOfSampleCagrPct: oos?.metrics?.cagrPct ?? null,
      outOfSampleTrades: oos?.metrics?.trades ?? null,
    });
  }
}

/** The result of the windows run so far. */
function summarise(params: SweepParam[], wf: WalkForwardSettings, windows: WalkForwardWindowResult[], curves: OutOfSampleCurve[], start: number | null): WalkForwardResult {
  const stitched = windows.reduce((g, w) => g * (1 + (w.outOfSampleReturnPct ?? 0) / 100), 1);
  const ran = windows.filter((w) => w.inSampleCagrPct !== null && w.outOfSampleCagrPct !== null);
  const meanIs = ran.reduce((s, w) => s + w.inSampleCagrPct!, 0) / Math.max(1, ran.length);
  const meanOos = ran.reduce((s, w) => s + w.outOfSampleCagrPct!, 0) / Math.max(1, ran.length);
  return {
    params,
    settings: wf,
    windows: [...windows],
    stitchedReturnPct: (stitched - 1) * 100,
    ...(start === null ? {} : { stitchedEquity: stitchOutOfSample(curves, start), stitchedStart: start }),
    efficiency: ran.length > 0 && meanIs !== 0 ? meanOos / meanIs : null,
  };
}
