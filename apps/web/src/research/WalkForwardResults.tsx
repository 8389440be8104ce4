import { paramKey, RESEARCH_WORDS, type WalkForwardResult } from "@keyflow/core";
import { date, pct } from "../ui/format";

/** Walk-forward: per-window choice and out-of-sample return, the stitched curve and the efficiency. */
export function WalkForwardResults({ result, time }: { result: WalkForwardResult; time: (bar: number) => number | null }) {
  const keys = result.params.map(paramKey);
  let growth = 1;
  const points = result.windows.map((w) => (growth *= 1 + (w.outOfSampleReturnPct ?? 0) / 100));
  const w = 560;
  const h = 140;
  const lo = Math.min(1, ...points);
  const hi = Math.max(1, ...points);
  const px = (i: number) => 30 + (i * (w - 40)) / Math.max(1, points.length);
  const py = (v: number) => 10 + ((hi - v) / (hi - lo || 1)) * (h - 30);
  const when = (bar: number) => {
    const t = time(bar);
    return t === null ? `bar ${bar}` : date(t);
  };
  return (
    <div className="wf-results" data-testid="wf-results">
      <div className="stats-row">
        <div className="stat" data-testid="stat-wfe">
          <div className="k">Walk-forward efficiency</div>
          <div className="v">{result.efficiency === null ? "–" : result.efficiency.toFixed(2)}</div>
          <p>{RESEARCH_WORDS.walkForwardEfficiency}</p>
        </div>
        <div className="stat">
          <div className="k">Stitched out-of-sample return</div>
          <div className="v">{pct(result.stitchedReturnPct)}</div>
          <p>Each window's out-of-sample return compounded in turn: what trading the re-optimised settings would have made on unseen data.</p>
        </div>
      </div>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" style={{ maxWidth: w }} data-testid="wf-curve" aria-label="Stitched out-of-sample equity">
        <line x1={30} x2={w - 10} y1={py(1)} y2={py(1)} stroke="#2c3545" />
        <polyline fill="none" stroke="#3d8bfd" strokeWidth={2} points={[`${px(0)},${py(1)}`, ...points.map((v, i) => `${px(i + 1)},${py(v)}`)].join(" ")} />
        {points.map((v, i) => (
          <g key={i}>
            <circle cx={px(i + 1)} cy={py(v)} r={3} fill="#3d8bfd" />
            <text x={px(i + 1)} y={py(v) - 7} fontSize="10" fill="#8792a4" textAnchor="middle">
              {`${v >= 1 ? "+" : ""}${((v - 1) * 100).toFixed(1)}%`}
            </text>
          </g>
        ))}
        <text x={30} y={h - 4} fontSize="10" fill="#8792a4">
          start
        </text>
        <text x={w - 10} y={h - 4} fontSize="10" fill="#8792a4" textAnchor="end">
          after window {points.length}
        </text>
      </svg>
      <table className="trades">
        <thead>
          <tr>
            <th>#</th>
            <th>In sample</th>
            <th>Out of sample</th>
            {keys.map((k) => (
              <th key={k}>{k}</th>
            ))}
            <th>OOS return</th>
            <th>OOS trades</th>
          </tr>
        </thead>
        <tbody>
          {result.windows.map((win, i) => (
            <tr key={i} data-testid="wf-window">
              <td>{i + 1}</td>
              <td>
                {when(win.inSample.from)} → {when(win.inSample.to - 1)}
              </td>
              <td>
                {when(win.outOfSample.from)} → {when(win.outOfSample.to - 1)}
              </td>
              {keys.map((k, j) => (
                <td key={k}>{win.combo ? win.combo[j] : "–"}</td>
              ))}
              <td>{win.outOfSampleReturnPct === null ? "–" : pct(win.outOfSampleReturnPct)}</td>
              <td>{win.outOfSampleTrades ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
