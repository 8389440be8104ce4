import type { HeatmapCell } from "@keyflow/core";

/** Red (worst) → grey → green (best) over [lo, hi]. */
function color(v: number, lo: number, hi: number): string {
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const hue = t * 130; // 0 red … 130 green
  return `hsl(${hue.toFixed(0)} ${(45 + 25 * Math.abs(t - 0.5) * 2).toFixed(0)}% ${(28 + 10 * t).toFixed(0)}%)`;
}

/** The objective over two params; a click picks the cell's combination. */
export function Heatmap({ cells, xLabel, yLabel, selectedRow, onPick, format }: { cells: HeatmapCell[]; xLabel: string; yLabel: string; selectedRow: number | null; onPick: (row: number) => void; format: (v: number) => string }) {
  const xs = [...new Set(cells.map((c) => c.x))];
  const ys = [...new Set(cells.map((c) => c.y))];
  const vals = cells.map((c) => c.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const cw = Math.max(18, Math.min(56, Math.floor(640 / xs.length)));
  const ch = Math.max(16, Math.min(30, Math.floor(360 / ys.length)));
  const left = 56;
  const top = 8;
  const w = left + xs.length * cw + 8;
  const h = top + ys.length * ch + 40;
  const oneParam = ys.length === 1 && Number.isNaN(ys[0]);
  return (
    <svg className="heatmap" viewBox={`0 0 ${w} ${h}`} width={Math.min(w, 760)} data-testid="heatmap" role="grid" aria-label={`${yLabel} by ${xLabel}`}>
      {cells.map((c, i) => {
        const xi = xs.indexOf(c.x);
        const yi = ys.length - 1 - ys.indexOf(c.y);
        const has = c.value !== null && Number.isFinite(c.value);
        return (
          <g key={i}>
            <rect
              x={left + xi * cw}
              y={top + yi * ch}
              width={cw - 1}
              height={ch - 1}
              fill={has ? color(c.value!, lo, hi) : "#151a23"}
              stroke={c.row >= 0 && c.row === selectedRow ? "#f1f4f9" : "none"}
              strokeWidth={2}
              style={{ cursor: c.row >= 0 ? "pointer" : "default" }}
              onClick={() => c.row >= 0 && onPick(c.row)}
              data-testid="heatmap-cell"
              data-x={c.x}
              data-y={oneParam ? "" : c.y}
              data-row={c.row}
              data-value={has ? c.value! : ""}
            >
              <title>{`${xLabel} ${c.x}${oneParam ? "" : `, ${yLabel} ${c.y}`}: ${has ? format(c.value!) : "not run"}`}</title>
            </rect>
            {cw >= 40 && ch >= 18 && has && (
              <text x={left + xi * cw + cw / 2} y={top + yi * ch + ch / 2 + 3.5} fontSize="9.5" fill="#f1f4f9" textAnchor="middle" pointerEvents="none">
                {format(c.value!)}
              </text>
            )}
          </g>
        );
      })}
      {xs.map((x, i) =>
        xs.length <= 20 || i % Math.ceil(xs.length / 20) === 0 ? (
          <text key={`x${i}`} x={left + i * cw + cw / 2} y={top + ys.length * ch + 13} fontSize="10" fill="#8792a4" textAnchor="middle">
            {x}
          </text>
        ) : null,
      )}
      {!oneParam &&
        ys.map((y, i) =>
          ys.length <= 16 || i % Math.ceil(ys.length / 16) === 0 ? (
            <text key={`y${i}`} x={left - 6} y={top + (ys.length - 1 - i) * ch + ch / 2 + 3.5} fontSize="10" fill="#8792a4" textAnchor="end">
              {y}
            </text>
          ) : null,
        )}
      <text x={left + (xs.length * cw) / 2} y={h - 6} fontSize="11" fill="#d8dee8" textAnchor="middle">
        {xLabel}
      </text>
      {!oneParam && (
        <text x={12} y={top + (ys.length * ch) / 2} fontSize="11" fill="#d8dee8" textAnchor="middle" transform={`rotate(-90 12 ${top + (ys.length * ch) / 2})`}>
          {yLabel}
        </text>
      )}
    </svg>
  );
}
