import type { Distribution } from "@keyflow/core";

/** A distribution as bars with its 5th, 50th and 95th percentiles marked. */
export function Histogram({ dist, label, format, testId, actual }: { dist: Distribution; label: string; format: (v: number) => string; testId: string; actual?: number }) {
  const w = 420;
  const h = 150;
  const pad = { l: 8, r: 8, t: 18, b: 26 };
  const bins = dist.histogram;
  const lo = bins[0]?.from ?? 0;
  const hi = bins.at(-1)?.to ?? 1;
  const span = hi > lo ? hi - lo : 1;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const x = (v: number) => pad.l + ((v - lo) / span) * (w - pad.l - pad.r);
  const bw = (w - pad.l - pad.r) / Math.max(1, bins.length);
  const marks = [
    { v: dist.p5, name: "5th" },
    { v: dist.p50, name: "50th" },
    { v: dist.p95, name: "95th" },
  ];
  return (
    <figure className="mc-histogram" data-testid={testId} data-p5={dist.p5} data-p50={dist.p50} data-p95={dist.p95}>
      <figcaption>
        {label}
        <span className="dim">
          {" "}
          5th {format(dist.p5)} · median {format(dist.p50)} · 95th {format(dist.p95)}
          {actual !== undefined && ` · actual ${format(actual)}`}
        </span>
      </figcaption>
      {bins.length === 1 ? (
        <div className="mc-histogram-one" data-testid={`${testId}-single`}>
          Every run ends at {format(dist.p50)}: the order of the trades does not change the result, only the path to it.
        </div>
      ) : (
      <div className="mc-histogram-plot">
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" height="100%" preserveAspectRatio="none" role="img" aria-label={`${label} histogram`}>
        {bins.map((b, i) => {
          const bh = ((h - pad.t - pad.b) * b.count) / max;
          return <rect key={i} x={pad.l + i * bw + 0.5} y={h - pad.b - bh} width={Math.max(1, bw - 1)} height={bh} fill="#3d8bfd" opacity={0.75} />;
        })}
        {marks.map((m) => (
          <g key={m.name}>
            <line x1={x(m.v)} x2={x(m.v)} y1={pad.t - 4} y2={h - pad.b} stroke="#f3b53f" strokeDasharray="3 3" />
            <text x={x(m.v)} y={pad.t - 6} fill="#f3b53f" fontSize="10" textAnchor="middle">
              {m.name}
            </text>
          </g>
        ))}
        {actual !== undefined && <line x1={x(actual)} x2={x(actual)} y1={pad.t} y2={h - pad.b} stroke="#26c281" strokeWidth={2} />}
        <text x={pad.l} y={h - 8} fill="#8792a4" fontSize="10">
          {format(lo)}
        </text>
        <text x={w - pad.r} y={h - 8} fill="#8792a4" fontSize="10" textAnchor="end">
          {format(hi)}
        </text>
      </svg>
      </div>
      )}
    </figure>
  );
}
