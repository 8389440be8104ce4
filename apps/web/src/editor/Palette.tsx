import { useMemo, useState, type DragEvent } from "react";
import { useReactFlow } from "@xyflow/react";
import { BLOCKS, BLOCK_CATEGORIES, PORT_TYPES, getBlock, searchBlocks, type BlockDef } from "@keyflow/core";
import { editorStore } from "./store";
import { blockSize, freeSpot, sizeBeforeDrawn } from "./placement";
import { DRAG_MIME } from "./Canvas";
import { CATEGORY_COLOR, CATEGORY_LABEL, PORT_LABEL } from "./theme";

function PortGlyphs({ block }: { block: BlockDef }) {
  const types = [...new Set([...block.inputs, ...block.outputs].map((p) => p.type))];
  return (
    <span className="pi-ports">
      {types.map((t) => (
        <i key={t} className={`glyph ${t}`} />
      ))}
    </span>
  );
}


export function Palette() {
  const rf = useReactFlow();
  const [q, setQ] = useState("");
  const groups = useMemo(() => {
    // Best matches first within each category ("BB" finds Bollinger Bands by its alias).
    const hits = searchBlocks(q);
    return BLOCK_CATEGORIES.map((c) => ({ category: c, blocks: hits.filter((b) => b.category === c) })).filter((g) => g.blocks.length > 0);
  }, [q]);

  const onDragStart = (e: DragEvent, kind: string) => {
    e.dataTransfer.setData(DRAG_MIME, kind);
    e.dataTransfer.effectAllowed = "copy";
  };

  // Click to add: at the free spot nearest the middle of what is visible.
  const add = (kind: string) => {
    const el = document.querySelector(".canvas-wrap");
    const r = el?.getBoundingClientRect();
    const centre = r ? rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
    // The store has every block, also one added a moment ago that React Flow has not measured yet.
    const occupied = editorStore.getState().flow.nodes.map((n) => ({ ...n.position, ...blockSize(rf, n) }));
    editorStore.getState().addNode(kind, freeSpot(centre, sizeBeforeDrawn(getBlock(kind)!), occupied));
  };

  return (
    <aside className="side left" data-testid="palette">
      <div className="side-head">Blocks</div>
      <div className="palette-search">
        <input className="input" placeholder="Search blocks…" value={q} onChange={(e) => setQ(e.target.value)} data-testid="palette-search" />
      </div>
      <div className="scroll" style={{ flex: 1 }}>
        {groups.map((g) => (
          <div key={g.category} className="palette-cat">
            <div className="palette-cat-title">
              <i style={{ background: CATEGORY_COLOR[g.category] }} />
              {CATEGORY_LABEL[g.category]}
            </div>
            {g.blocks.map((b) => (
              <button
                key={b.kind}
                type="button"
                className="palette-item"
                draggable
                onDragStart={(e) => onDragStart(e, b.kind)}
                onClick={() => add(b.kind)}
                title={`${b.help}\n\nDrag onto the canvas, or click to add.`}
                data-testid={`palette-${b.kind}`}
              >
                <span className="pi-label">{b.label}</span>
                <PortGlyphs block={b} />
                <span className="pi-add">+</span>
              </button>
            ))}
          </div>
        ))}
        {groups.length === 0 && <div className="empty-note">No block matches “{q}”.</div>}
      </div>
      <div className="legend" data-testid="port-legend">
        {PORT_TYPES.map((t) => (
          <div key={t} className="legend-row">
            <i className={`glyph ${t}`} />
            {PORT_LABEL[t]}
          </div>
        ))}
      </div>
    </aside>
  );
}
