import { getBlock, type FlowGraph } from "@keyflow/core";
import { CATEGORY_HEX } from "../editor/theme";

const NODE_W = 190;

function ellipsis(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(1, n - 1))}…`;
}
const NODE_H = 90;
const TYPE_HEX = { series: "#4ea4ff", signal: "#f3b53f", order: "#c27bf0" } as const;

/** A small drawing of a flow's graph, for the template gallery and the strategy list. */
export function FlowPreview({ flow, width = 300, height = 112 }: { flow: FlowGraph; width?: number; height?: number }) {
  if (flow.nodes.length === 0) {
    return (
      <svg className="tpl-preview" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="xMidYMid meet">
        <text x={width / 2} y={height / 2} fill="#5d6878" fontSize="11" textAnchor="middle">
          empty
        </text>
      </svg>
    );
  }
  const xs = flow.nodes.map((n) => n.position.x);
  const ys = flow.nodes.map((n) => n.position.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const w = Math.max(...xs) - minX + NODE_W;
  const h = Math.max(...ys) - minY + NODE_H;
  const pad = 12;
  const k = Math.min((width - 2 * pad) / w, (height - 2 * pad) / h);
  const ox = (width - w * k) / 2;
  const oy = (height - h * k) / 2;
  const pos = new Map(flow.nodes.map((n) => [n.id, { x: ox + (n.position.x - minX) * k, y: oy + (n.position.y - minY) * k, kind: n.kind }]));
  const nw = NODE_W * k;
  const nh = NODE_H * k * 0.62;
  return (
    <svg className="tpl-preview" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="xMidYMid meet" aria-hidden>
      {flow.edges.map((e) => {
        const a = pos.get(e.source);
        const b = pos.get(e.target);
        if (!a || !b) return null;
        const type = getBlock(a.kind)?.outputs.find((p) => p.name === e.sourceHandle)?.type ?? "series";
        const x1 = a.x + nw;
        const y1 = a.y + nh / 2;
        const x2 = b.x;
        const y2 = b.y + nh / 2;
        const mx = (x1 + x2) / 2;
        return <path key={e.id} d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} stroke={TYPE_HEX[type]} strokeOpacity={0.7} strokeWidth={1.2} fill="none" />;
      })}
      {flow.nodes.map((n) => {
        const p = pos.get(n.id)!;
        const block = getBlock(n.kind);
        const color = block ? CATEGORY_HEX[block.category] : "#f0616d";
        return (
          <g key={n.id}>
            <rect x={p.x} y={p.y} width={nw} height={nh} rx={3} fill="#161c26" stroke="#2c3545" strokeWidth={0.8} />
            <rect x={p.x} y={p.y} width={2.5} height={nh} rx={1} fill={color} />
            {nw > 34 && (
              <text x={p.x + 6} y={p.y + nh / 2 + 3} fill="#c9d1dd" fontSize={Math.min(9, nh * 0.45)} fontFamily="Inter Variable, sans-serif">
                {ellipsis(block?.label ?? n.kind, Math.floor((nw - 8) / 4.6))}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
