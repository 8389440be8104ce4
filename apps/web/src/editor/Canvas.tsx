import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import {
  Background,
  BackgroundVariant,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
  type Connection as RFConnection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
} from "@xyflow/react";
import { getBlock } from "@keyflow/core";
import { arrange } from "./arrange";
import { blockSize } from "./placement";
import { editorStore, isValidConnection as checkFn, useEditor } from "./store";
import { nodeTypes, type BlockNodeData, type BlockRFNode, type CanvasNode } from "./BlockNode";
import { badEdges, danglingLinks, issuesByNode, nodeIssues } from "./validation";
import { CATEGORY_HEX } from "./theme";
import { app } from "../app/appStore";

export const DRAG_MIME = "application/x-keyflow-block";
const GRID: [number, number] = [16, 16];
const NO_INPUTS: string[] = [];

function toConnection(c: RFConnection | Edge) {
  return { source: c.source, sourceHandle: c.sourceHandle ?? null, target: c.target, targetHandle: c.targetHandle ?? null };
}

/** React Flow's question while a connection is dragged; answered by the same rules as the compiler. */
export const rfIsValidConnection: IsValidConnection = (c) => checkFn(editorStore.getState().flow, toConnection(c)).ok;

export function Canvas() {
  const flow = useEditor((s) => s.flow);
  const validation = useEditor((s) => s.validation);
  const selectedNodes = useEditor((s) => s.selectedNodes);
  const selectedEdges = useEditor((s) => s.selectedEdges);
  const refusal = useEditor((s) => s.refusal);
  const focus = useEditor((s) => s.focus);
  const rf = useReactFlow();
  // One undo step: every block moves to its place in a left-to-right layout, then the view fits it.
  const arrangeFlow = () => {
    const { flow: f } = editorStore.getState();
    const at = arrange(
      f.nodes.map((n) => ({ id: n.id, ...blockSize(rf, n) })),
      f.edges,
    );
    editorStore.getState().moveNodes([...at].map(([id, position]) => ({ id, position })));
    requestAnimationFrame(() => void rf.fitView({ padding: 0.15, maxZoom: 1.1 }));
  };
  const [measured, setMeasured] = useState<Record<string, { width: number; height: number }>>({});
  const wrapper = useRef<HTMLDivElement>(null);

  const issues = useMemo(() => issuesByNode(validation), [validation]);
  const connected = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const e of flow.edges) map.set(e.target, [...(map.get(e.target) ?? []), e.targetHandle]);
    return map;
  }, [flow.edges]);
  // A node's data object is reused while nothing in it changed, so the memoized BlockNode of every
  // block that is not being dragged or edited skips its render.
  const dataCache = useRef(new Map<string, BlockNodeData>());
  const dangling = useMemo(() => danglingLinks(flow), [flow]);
  const nodes = useMemo<CanvasNode[]>(() => {
    const sel = new Set(selectedNodes);
    const prevData = dataCache.current;
    const nextData = new Map<string, BlockNodeData>();
    const result = flow.nodes.map((n) => {
      const ni = nodeIssues(issues, n.id);
      const connectedInputs = connected.get(n.id) ?? NO_INPUTS;
      const prev = prevData.get(n.id);
      const data =
        prev && prev.kind === n.kind && prev.params === n.params && prev.ranges === n.ranges && prev.errors === ni.errors && prev.warnings === ni.warnings && prev.connectedInputs === connectedInputs
          ? prev
          : { kind: n.kind, params: n.params, ranges: n.ranges, errors: ni.errors, warnings: ni.warnings, connectedInputs };
      nextData.set(n.id, data);
      const m = measured[n.id];
      return {
        id: n.id,
        type: "block" as const,
        position: n.position,
        selected: sel.has(n.id),
        data,
        ...(m ? { measured: m, width: m.width, height: m.height } : {}),
      };
    });
    dataCache.current = nextData;
    const standIns = dangling.map((d) => ({
      id: `missing:${d.edgeId}`,
      type: "missing" as const,
      position: d.position,
      draggable: false,
      selectable: false,
      deletable: false,
      data: { missingId: d.missingId, side: d.side },
    }));
    return [...result, ...standIns];
  }, [flow.nodes, issues, connected, selectedNodes, measured, dangling]);

  const edges = useMemo<Edge[]>(() => {
    const bad = badEdges(validation);
    const sel = new Set(selectedEdges);
    const kindOf = new Map(flow.nodes.map((n) => [n.id, n.kind]));
    const standIn = new Map(dangling.map((d) => [d.edgeId, d]));
    return flow.edges.map((e) => {
      const d = standIn.get(e.id);
      if (d) {
        // Drawn to the stand-in of its missing end, red: it can be selected and deleted like any link.
        const ghost = `missing:${e.id}`;
        return {
          id: e.id,
          source: d.side === "source" ? ghost : e.source,
          sourceHandle: d.side === "source" ? "out" : e.sourceHandle,
          target: d.side === "target" ? ghost : e.target,
          targetHandle: d.side === "target" ? "in" : e.targetHandle,
          selected: sel.has(e.id),
          className: "invalid dangling",
        };
      }
      const out = getBlock(kindOf.get(e.source) ?? "")?.outputs.find((p) => p.name === e.sourceHandle);
      return {
        id: e.id,
        source: e.source,
        sourceHandle: e.sourceHandle,
        target: e.target,
        targetHandle: e.targetHandle,
        selected: sel.has(e.id),
        className: [out?.type ?? "series", bad.has(e.id) ? "invalid" : ""].join(" "),
      };
    });
  }, [flow.edges, flow.nodes, validation, selectedEdges, dangling]);

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    const s = editorStore.getState();
    // Stand-ins for missing blocks are not in the flow: nothing to move or select.
    changes = changes.filter((c) => !("id" in c) || !c.id.startsWith("missing:"));
    const moves: { id: string; position: { x: number; y: number }; dragging?: boolean }[] = [];
    const dims: Record<string, { width: number; height: number }> = {};
    for (const c of changes) {
      if (c.type === "position" && c.position) moves.push({ id: c.id, position: c.position, dragging: !!c.dragging });
      else if (c.type === "position" && c.dragging === false) moves.push({ id: c.id, position: s.flow.nodes.find((n) => n.id === c.id)!.position, dragging: false });
      else if (c.type === "dimensions" && c.dimensions) dims[c.id] = c.dimensions;
      else if (c.type === "select") s.setSelection("node", c.id, c.selected);
    }
    if (moves.length > 0) s.moveNodes(moves);
    if (Object.keys(dims).length > 0) setMeasured((m) => ({ ...m, ...dims }));
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    const s = editorStore.getState();
    for (const c of changes) if (c.type === "select") s.setSelection("edge", c.id, c.selected);
  }, []);

  const onConnect = useCallback((c: RFConnection) => {
    editorStore.getState().connect(toConnection(c));
  }, []);

  // A refused drop says why, in the words the compiler would use.
  const onConnectEnd = useCallback((_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
    const from = state.fromHandle;
    const to = state.toHandle;
    const c =
      from.type === "source"
        ? { source: from.nodeId, sourceHandle: from.id ?? null, target: to.nodeId, targetHandle: to.id ?? null }
        : { source: to.nodeId, sourceHandle: to.id ?? null, target: from.nodeId, targetHandle: from.id ?? null };
    const check = checkFn(editorStore.getState().flow, c);
    if (!check.ok) editorStore.getState().refuse(check.reason);
  }, []);

  useEffect(() => {
    if (!refusal) return;
    const t = setTimeout(() => editorStore.getState().clearRefusal(), 6000);
    return () => clearTimeout(t);
  }, [refusal]);

  // A newly loaded flow is fitted into view once its nodes have been measured.
  const loadSeq = useEditor((s) => s.loadSeq);
  const initialized = useNodesInitialized();
  const fitted = useRef(-1);
  const empty = flow.nodes.length === 0;
  useEffect(() => {
    if (fitted.current === loadSeq || (!initialized && !empty)) return;
    fitted.current = loadSeq;
    if (editorStore.getState().flow.nodes.length === 0) void rf.setViewport({ x: 0, y: 0, zoom: 1 });
    else void rf.fitView({ padding: 0.15, maxZoom: 1.15 });
  }, [loadSeq, initialized, empty, rf]);

  // Clicking a problem scrolls the canvas to its node.
  useEffect(() => {
    if (!focus) return;
    const node = rf.getInternalNode(focus.nodeId);
    if (!node) return;
    const w = node.measured.width ?? 190;
    const h = node.measured.height ?? 100;
    const p = node.internals.positionAbsolute;
    void rf.setCenter(p.x + w / 2, p.y + h / 2, { zoom: Math.max(rf.getZoom(), 1), duration: 350 });
  }, [focus, rf]);

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(DRAG_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(DRAG_MIME);
      if (!kind) return;
      e.preventDefault();
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      // Drop the node's header under the pointer, snapped like a drag would be.
      editorStore.getState().addNode(kind, { x: Math.round((p.x - 90) / GRID[0]) * GRID[0], y: Math.round((p.y - 14) / GRID[1]) * GRID[1] });
    },
    [rf],
  );

  const onPaneClick = useCallback(() => editorStore.getState().select([], []), []);

  return (
    <div className="canvas-wrap" ref={wrapper} data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<CanvasNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={rfIsValidConnection}
        onPaneClick={onPaneClick}
        deleteKeyCode={null}
        multiSelectionKeyCode={["Meta", "Control"]}
        selectionKeyCode="Shift"
        snapToGrid
        snapGrid={GRID}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
        minZoom={0.2}
        maxZoom={2}
        defaultEdgeOptions={{ type: "default" }}
        proOptions={{ hideAttribution: true }}
        colorMode="dark"
      >
        <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} color="#1f2733" />
        <Controls position="bottom-left" showInteractive={false}>
          <ControlButton onClick={arrangeFlow} title="Arrange left to right" aria-label="Arrange left to right" data-testid="arrange">
            <svg width="12" height="12" viewBox="0 0 16 16" fill="none" aria-hidden>
              <rect x="1" y="2" width="4" height="4" rx="1" fill="currentColor" />
              <rect x="1" y="10" width="4" height="4" rx="1" fill="currentColor" />
              <rect x="11" y="6" width="4" height="4" rx="1" fill="currentColor" />
              <path d="M5 4h3v4h3M5 12h3V8" stroke="currentColor" strokeWidth="1.2" />
            </svg>
          </ControlButton>
        </Controls>
        <MiniMap
          position="bottom-right"
          pannable
          zoomable
          nodeColor={(n) => CATEGORY_HEX[getBlock((n.data as { kind: string }).kind)?.category ?? "source"]}
          nodeStrokeWidth={0}
          nodeBorderRadius={4}
          style={{ width: 168, height: 110 }}
        />
      </ReactFlow>
      {flow.nodes.length > 0 && (
        <div className="canvas-hints">
          <span>
            <span className="kbd">Del</span> delete
          </span>
          <span>
            <span className="kbd">Ctrl</span> <span className="kbd">Z</span> undo
          </span>
          <span>
            <span className="kbd">Ctrl</span> <span className="kbd">C</span>/<span className="kbd">V</span> copy, paste
          </span>
          <span>
            <span className="kbd">Shift</span> drag to select
          </span>
        </div>
      )}
      {flow.nodes.length === 0 && (
        <div className="canvas-empty" data-testid="canvas-empty">
          <div>
            <h3>An empty canvas</h3>
            <p>Drag blocks from the palette on the left (or click one), then connect an output on the right of a block to an input on the left of another.</p>
            <button type="button" className="btn" onClick={() => app.set({ modal: "templates" })} data-testid="empty-templates">
              Or start from a template
            </button>
          </div>
        </div>
      )}
      {refusal && (
        <div className="canvas-toast" role="alert" data-testid="connection-refused">
          <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden>
            <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" strokeWidth="1.6" />
            <path d="M3.5 12.5l9-9" stroke="currentColor" strokeWidth="1.6" />
          </svg>
          <span>{refusal}</span>
        </div>
      )}
    </div>
  );
}
