import { downsampleMinMax, paramKey, RESEARCH_WORDS, type WalkForwardResult } from "@keyflow/core";
import { date, pct } from "../ui/format";

/** Walk-forward: per-window choice and out-of-sample return, the stitched curve and the efficiency. */
export function WalkForwardResults({ result, time }: { result: WalkForwardResult; time: (bar: number) => number | null }) {
  const keys = result.params.map(paramKey);
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
          <p>Each window's out-of-sample run, started from the equity the previous window ended with: what trading the re-optimised settings would have made on unseen data.</p>
        </div>
      </div>
      {result.stitchedEquity && result.stitchedStart !== undefined ? (
        <StitchedCurve result={result} equity={result.stitchedEquity} start={result.stitchedStart} keys={keys} when={when} />
      ) : (
        <WindowSteps result={result} />
      )}
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

const W = 640;
const H = 200;
const LEFT = 56;
const RIGHT = 10;
const TOP = 26;
const BOTTOM = 22;

/**
 * The stitched out-of-sample equity bar by bar (min/max downsampled to the width), with each
 * window's start marked and labelled with the params chosen for it.
 */
function StitchedCurve({
  result,
  equity,
  start,
  keys,
  when,
}: {
  result: WalkForwardResult;
  equity: number[];
  start: number;
  keys: string[];
  when: (bar: number) => string;
}) {
  const n = equity.length;
  const first = result.windows[0]?.outOfSample.from ?? 0;
  const line = downsampleMinMax(
    equity.map((_, i) => i),
    equity,
    2 * (W - LEFT - RIGHT),
  );
  const lo = Math.min(start, ...line.value);
  const hi = Math.max(start, ...line.value);
  const px = (i: number) => LEFT + (i * (W - LEFT - RIGHT)) / Math.max(1, n - 1);
  const py = (v: number) => TOP + ((hi - v) / (hi - lo || 1)) * (H - TOP - BOTTOM);
  const money = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" style={{ maxWidth: W }} data-testid="wf-curve" aria-label="Stitched out-of-sample equity">
      <line x1={LEFT} x2={W - RIGHT} y1={py(start)} y2={py(start)} stroke="#2c3545" />
      <text x={LEFT - 4} y={py(hi) + 4} fontSize="10" fill="#8792a4" textAnchor="end">
        {money(hi)}
      </text>
      <text x={LEFT - 4} y={py(lo) + 4} fontSize="10" fill="#8792a4" textAnchor="end">
        {money(lo)}
      </text>
      {result.windows.map((win, k) => {
        const x = px(win.outOfSample.from - first);
        // Names and values where the window is wide enough, the values alone where it is not (the table has both).
        const wide = px(win.outOfSample.to - first) - x >= 6 * keys.join("=00 ").length;
        const chosen = win.combo ? (wide ? keys.map((key, j) => `${key}=${win.combo![j]}`).join(" ") : win.combo.join(" · ")) : "nothing chosen";
        return (
          <g key={k} data-testid="wf-boundary">
            <line x1={x} x2={x} y1={TOP - 4} y2={H - BOTTOM} stroke="#3a4558" strokeDasharray="3 3" />
            <text x={x + 3} y={TOP - 14} fontSize="9" fill="#c5ccd8">
              {`W${k + 1}`}
            </text>
            <text x={x + 3} y={TOP - 4} fontSize="9" fill="#8792a4">
              <title>{`Window ${k + 1}, out of sample from ${when(win.outOfSample.from)}: ${win.combo ? keys.map((key, j) => `${key}=${win.combo![j]}`).join(", ") : "no combination met the constraints (flat)"}`}</title>
              {chosen}
            </text>
            <text x={x + 3} y={H - 6} fontSize="9" fill="#8792a4">
              {when(win.outOfSample.from)}
            </text>
          </g>
        );
      })}
      <polyline fill="none" stroke="#3d8bfd" strokeWidth={1.5} points={line.time.map((i, k) => `${px(i).toFixed(1)},${py(line.value[k]!).toFixed(1)}`).join(" ")} />
    </svg>
  );
}

/** Walk-forwards stored before the stitched curve existed: one point per window. */
function WindowSteps({ result }: { result: WalkForwardResult }) {
  let growth = 1;
  const points = result.windows.map((w) => (growth *= 1 + (w.outOfSampleReturnPct ?? 0) / 100));
  const w = 560;
  const h = 140;
  const lo = Math.min(1, ...points);
  const hi = Math.max(1, ...points);
  const px = (i: number) => 30 + (i * (w - 40)) / Math.max(1, points.length);
  const py = (v: number) => 10 + ((hi - v) / (hi - lo || 1)) * (h - 30);
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width="100%" style={{ maxWidth: w }} data-testid="wf-curve" aria-label="Stitched out-of-sample equity">
      <line x1={30} x2={w - 10} y1={py(1)} y2={py(1)} stroke="#2c3545" />
      <polyline fill="none" stroke="#3d8bfd" strokeWidth={2} points={[`${px(0)},${py(1)}`, ...points.map((v, i) => `${px(i + 1)},${py(v)}`)].join(" ")} />
      {points.map((v, i) => (
        <circle key={i} cx={px(i + 1)} cy={py(v)} r={3} fill="#3d8bfd" />
      ))}
    </svg>
  );
}
