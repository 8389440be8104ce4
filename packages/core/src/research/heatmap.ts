import type { SweepParam } from "./space";

/** A row as the results views need it: its values and its score (null: broke a constraint or did not run). */
export interface ScoredCombo {
  combo: readonly number[];
  score: number | null;
}

/** Index of each row's value in each param's values (the row's place on the grid). */
function gridIndex(params: readonly SweepParam[], rows: readonly ScoredCombo[]): number[][] {
  const maps = params.map((p) => new Map(p.values.map((v, i) => [v, i])));
  return rows.map((r) => r.combo.map((v, j) => maps[j]!.get(v) ?? -1));
}

/**
 * Stability: each row's score averaged with its neighbours on the grid (every param at most one
 * step away). A plateau keeps its height; a lone spike among poor neighbours sinks. Rows without a
 * score count as missing, not as zero; null when no neighbour has one.
 */
export function neighbourAverage(params: readonly SweepParam[], rows: readonly ScoredCombo[]): (number | null)[] {
  const idx = gridIndex(params, rows);
  const byKey = new Map(idx.map((ix, r) => [ix.join(","), r]));
  const offsets: number[][] = [[]];
  for (let j = 0; j < params.length; j++) {
    const next: number[][] = [];
    for (const o of offsets) for (const d of [-1, 0, 1]) next.push([...o, d]);
    offsets.splice(0, offsets.length, ...next);
  }
  return idx.map((ix) => {
    let sum = 0;
    let n = 0;
    for (const o of offsets) {
      const r = byKey.get(ix.map((v, j) => v + o[j]!).join(","));
      const s = r === undefined ? null : rows[r]!.score;
      if (s !== null && Number.isFinite(s)) {
        sum += s;
        n++;
      }
    }
    return n > 0 ? sum / n : null;
  });
}

export interface HeatmapCell {
  x: number;
  y: number;
  /** Index in `rows`, or -1 when the sweep did not run this cell (random, halving). */
  row: number;
  value: number | null;
}

/**
 * The objective over two params (x and y, by index in `params`), every other param held at the value
 * in `held` (by param index). Cells in y-major order: y = values[0] first.
 */
export function heatmap(
  params: readonly SweepParam[],
  rows: readonly ScoredCombo[],
  x: number,
  y: number,
  held: readonly number[],
  values: readonly (number | null)[] = rows.map((r) => r.score),
): HeatmapCell[] {
  const at = new Map<string, number>();
  rows.forEach((r, i) => {
    if (r.combo.every((v, j) => j === x || j === y || v === held[j])) at.set(`${r.combo[x]}|${r.combo[y]}`, i);
  });
  const xs = params[x]!.values;
  const ys = x === y ? [NaN] : params[y]!.values;
  const cells: HeatmapCell[] = [];
  for (const yv of ys) {
    for (const xv of xs) {
      const row = at.get(x === y ? `${xv}|${xv}` : `${xv}|${yv}`) ?? -1;
      cells.push({ x: xv, y: yv, row, value: row < 0 ? null : (values[row] ?? null) });
    }
  }
  return cells;
}
