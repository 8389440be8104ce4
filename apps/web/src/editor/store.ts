import { createStore, type StoreApi } from "zustand/vanilla";
import { useStore } from "zustand";
import {
  checkConnection,
  compileFlow,
  getBlock,
  parseFlowDocument,
  FLOW_FORMAT,
  FLOW_VERSION,
  DEFAULT_SETTINGS,
  type CompileResult,
  type Connection,
  type FlowEdge,
  type FlowGraph,
  type FlowNode,
  type Market,
  type ParamRange,
  type Settings,
  type BacktestRange,
  type PortfolioSettings,
} from "@keyflow/core";

/**
 * The whole editing logic, free of React and of the canvas: React Flow only draws this state and
 * dispatches the actions below, so every behaviour is testable without a browser.
 */

export interface XY {
  x: number;
  y: number;
}

export interface Clipboard {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export interface EditorState {
  /** The document being edited: what is saved, exported and compiled. */
  flow: FlowGraph;
  /** Server id of the strategy this flow belongs to; null for a flow never saved. */
  strategyId: string | null;
  /** The saved version the flow is (runs start from it); null when not known to be one. */
  savedVersion: number | null;
  /** Canonical JSON of the flow as last saved (or loaded); `dirty` compares against it. */
  savedJson: string;
  dirty: boolean;
  /** Compile result of the current flow, recomputed on every change. */
  validation: CompileResult;
  selectedNodes: string[];
  selectedEdges: string[];
  past: FlowGraph[];
  future: FlowGraph[];
  clipboard: Clipboard | null;
  /** Why the last attempted connection was refused (shown as a toast); null when none. */
  refusal: string | null;
  /** A node the canvas should scroll to (set by clicking an error); `seq` re-triggers on repeats. */
  focus: { nodeId: string; seq: number } | null;
  /** Coalescing key of the last history entry: repeated edits of one field make one undo step. */
  lastEdit: string | null;
  /** True while a drag gesture is in progress (its snapshot was already taken). */
  dragging: boolean;
  /** Bumped whenever a different document is loaded; the canvas fits its view to it. */
  loadSeq: number;
}

export interface EditorActions {
  load(flow: FlowGraph, strategyId?: string | null, opts?: { dirty?: boolean; version?: number }): void;
  markSaved(strategyId: string, flow?: FlowGraph, version?: number): void;
  addNode(kind: string, position?: XY): string | null;
  moveNodes(moves: { id: string; position: XY; dragging?: boolean }[]): void;
  deleteNodes(ids: string[]): void;
  deleteEdges(ids: string[]): void;
  deleteSelection(): void;
  connect(c: Connection): boolean;
  setParam(nodeId: string, key: string, value: unknown): void;
  /** Makes a number param a sweep range or list (null: back to its single value). */
  setParamRange(nodeId: string, key: string, range: ParamRange | null): void;
  setName(name: string): void;
  setDescription(description: string): void;
  setMarket(market: Market): void;
  setSettings(patch: Partial<Settings>): void;
  /** The backtest date range, saved with the strategy. */
  setRange(range: BacktestRange): void;
  /** The markets the strategy trades together on shared cash (undefined: its one market). */
  setPortfolio(portfolio: PortfolioSettings | undefined): void;
  select(nodes: string[], edges?: string[]): void;
  setSelection(kind: "node" | "edge", id: string, selected: boolean): void;
  selectAll(): void;
  undo(): void;
  redo(): void;
  copy(): void;
  paste(offset?: XY): void;
  duplicateSelection(): void;
  focusNode(nodeId: string): void;
  clearRefusal(): void;
  refuse(reason: string): void;
}

export type EditorStore = EditorState & EditorActions;

const HISTORY_LIMIT = 200;

export const DEMO_MARKET: Market = { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" };

export function emptyFlow(name = "Untitled strategy", market: Market = DEMO_MARKET): FlowGraph {
  return {
    format: FLOW_FORMAT,
    version: FLOW_VERSION,
    name,
    description: "",
    market,
    settings: { ...DEFAULT_SETTINGS },
    nodes: [],
    edges: [],
  };
}

/** Stable text of a flow for change detection (key order of objects as built by the editor). */
export function flowJson(flow: FlowGraph): string {
  return JSON.stringify(flow);
}

/** The block's params with every default filled in, as a new node gets them. */
export function defaultParams(kind: string): Record<string, unknown> {
  const block = getBlock(kind);
  if (!block) return {};
  const parsed = block.params.safeParse({});
  return parsed.success ? { ...(parsed.data as Record<string, unknown>) } : {};
}

function nextId(prefix: string, taken: ReadonlySet<string>): string {
  const base = prefix.replace(/[^A-Za-z0-9_.:-]/g, "").slice(0, 48) || "node";
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) return id;
  }
}

function edgeId(taken: ReadonlySet<string>): string {
  return nextId("e", taken);
}

/** React Flow decides "is this connection allowed" with this; the reason is the one the compiler would give. */
export function isValidConnection(flow: Pick<FlowGraph, "nodes" | "edges">, c: Connection) {
  return checkConnection(flow.nodes, flow.edges, c);
}

export function createEditorStore(initial: FlowGraph = emptyFlow()): StoreApi<EditorStore> {
  return createStore<EditorStore>()((set, get) => {
    /**
     * Apply a change to the document, with one undo snapshot unless `coalesce` continues the last edit.
     * `layoutOnly` says only positions changed: the compile result cannot differ, so it is kept.
     */
    function commit(next: FlowGraph, opts: { coalesce?: string; history?: boolean; layoutOnly?: boolean; extra?: Partial<EditorState> } = {}) {
      const s = get();
      const history = opts.history ?? true;
      const continues = opts.coalesce !== undefined && opts.coalesce === s.lastEdit;
      const past = history && !continues ? [...s.past, s.flow].slice(-HISTORY_LIMIT) : s.past;
      set({
        flow: next,
        past,
        future: history ? [] : s.future,
        lastEdit: history ? (opts.coalesce ?? null) : s.lastEdit,
        validation: opts.layoutOnly ? s.validation : compileFlow(next),
        dirty: flowJson(next) !== s.savedJson,
        ...opts.extra,
      });
    }

    function restore(flow: FlowGraph, past: FlowGraph[], future: FlowGraph[]) {
      const ids = new Set(flow.nodes.map((n) => n.id));
      const eids = new Set(flow.edges.map((e) => e.id));
      const s = get();
      set({
        flow,
        past,
        future,
        lastEdit: null,
        validation: compileFlow(flow),
        dirty: flowJson(flow) !== s.savedJson,
        selectedNodes: s.selectedNodes.filter((id) => ids.has(id)),
        selectedEdges: s.selectedEdges.filter((id) => eids.has(id)),
      });
    }

    const initialJson = flowJson(initial);
    return {
      flow: initial,
      strategyId: null,
      savedVersion: null,
      savedJson: initialJson,
      dirty: false,
      validation: compileFlow(initial),
      selectedNodes: [],
      selectedEdges: [],
      past: [],
      future: [],
      clipboard: null,
      refusal: null,
      focus: null,
      lastEdit: null,
      dragging: false,
      loadSeq: 0,

      load(flow, strategyId = null, opts = {}) {
        const json = flowJson(flow);
        set({
          flow,
          strategyId,
          savedVersion: opts.version ?? null,
          savedJson: opts.dirty ? "" : json,
          dirty: opts.dirty ?? false,
          validation: compileFlow(flow),
          selectedNodes: [],
          selectedEdges: [],
          past: [],
          future: [],
          refusal: null,
          focus: null,
          lastEdit: null,
          dragging: false,
          loadSeq: get().loadSeq + 1,
        });
      },

      markSaved(strategyId, flow, version) {
        const json = flowJson(flow ?? get().flow);
        set({ strategyId, savedJson: json, dirty: flowJson(get().flow) !== json, savedVersion: version ?? null });
      },

      addNode(kind, position = { x: 0, y: 0 }) {
        const block = getBlock(kind);
        if (!block) return null;
        const { flow } = get();
        const id = nextId(kind, new Set(flow.nodes.map((n) => n.id)));
        const node: FlowNode = { id, kind, params: defaultParams(kind), position: { x: Math.round(position.x), y: Math.round(position.y) } };
        commit({ ...flow, nodes: [...flow.nodes, node] }, { extra: { selectedNodes: [id], selectedEdges: [] } });
        return id;
      },

      moveNodes(moves) {
        const s = get();
        const byId = new Map(moves.map((m) => [m.id, m]));
        const next = {
          ...s.flow,
          nodes: s.flow.nodes.map((n) => {
            const m = byId.get(n.id);
            return m ? { ...n, position: { x: Math.round(m.position.x), y: Math.round(m.position.y) } } : n;
          }),
        };
        const stillDragging = moves.some((m) => m.dragging);
        // One undo step per drag gesture: the snapshot is taken when the gesture starts.
        commit(next, { history: !s.dragging, layoutOnly: true, extra: { dragging: stillDragging } });
        if (!stillDragging) set({ lastEdit: null });
      },

      deleteNodes(ids) {
        if (ids.length === 0) return;
        const gone = new Set(ids);
        const { flow, selectedNodes } = get();
        commit(
          {
            ...flow,
            nodes: flow.nodes.filter((n) => !gone.has(n.id)),
            edges: flow.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
          },
          { extra: { selectedNodes: selectedNodes.filter((id) => !gone.has(id)) } },
        );
      },

      deleteEdges(ids) {
        if (ids.length === 0) return;
        const gone = new Set(ids);
        const { flow, selectedEdges } = get();
        commit({ ...flow, edges: flow.edges.filter((e) => !gone.has(e.id)) }, { extra: { selectedEdges: selectedEdges.filter((id) => !gone.has(id)) } });
      },

      deleteSelection() {
        const { flow, selectedNodes, selectedEdges } = get();
        if (selectedNodes.length === 0 && selectedEdges.length === 0) return;
        const goneNodes = new Set(selectedNodes);
        const goneEdges = new Set(selectedEdges);
        commit(
          {
            ...flow,
            nodes: flow.nodes.filter((n) => !goneNodes.has(n.id)),
            edges: flow.edges.filter((e) => !goneEdges.has(e.id) && !goneNodes.has(e.source) && !goneNodes.has(e.target)),
          },
          { extra: { selectedNodes: [], selectedEdges: [] } },
        );
      },

      connect(c) {
        const { flow } = get();
        const check = isValidConnection(flow, c);
        if (!check.ok) {
          set({ refusal: check.reason });
          return false;
        }
        const edge: FlowEdge = {
          id: edgeId(new Set(flow.edges.map((e) => e.id))),
          source: c.source,
          sourceHandle: c.sourceHandle!,
          target: c.target,
          targetHandle: c.targetHandle!,
        };
        commit({ ...flow, edges: [...flow.edges, edge] }, { extra: { refusal: null } });
        return true;
      },

      setParam(nodeId, key, value) {
        const { flow } = get();
        commit(
          { ...flow, nodes: flow.nodes.map((n) => (n.id === nodeId ? { ...n, params: { ...n.params, [key]: value } } : n)) },
          { coalesce: `param:${nodeId}:${key}` },
        );
      },

      setParamRange(nodeId, key, range) {
        const { flow } = get();
        commit(
          {
            ...flow,
            nodes: flow.nodes.map((n) => {
              if (n.id !== nodeId) return n;
              const { [key]: _, ...rest } = n.ranges ?? {};
              const ranges = range ? { ...rest, [key]: range } : rest;
              const { ranges: _old, ...node } = n;
              return Object.keys(ranges).length > 0 ? { ...node, ranges } : node;
            }),
          },
          // Typing into a range is one step; turning a range on or off is a step of its own.
          range && flow.nodes.find((n) => n.id === nodeId)?.ranges?.[key] ? { coalesce: `range:${nodeId}:${key}` } : {},
        );
      },

      setName(name) {
        commit({ ...get().flow, name }, { coalesce: "name" });
      },

      setDescription(description) {
        commit({ ...get().flow, description }, { coalesce: "description" });
      },

      setMarket(market) {
        commit({ ...get().flow, market });
      },

      setSettings(patch) {
        const { flow } = get();
        commit({ ...flow, settings: { ...flow.settings, ...patch } }, { coalesce: `settings:${Object.keys(patch).join(",")}` });
      },

      setRange(range) {
        commit({ ...get().flow, range }, { coalesce: "range" });
      },

      setPortfolio(portfolio) {
        const { portfolio: _old, ...flow } = get().flow;
        commit(portfolio ? { ...flow, portfolio } : flow, { coalesce: "portfolio" });
      },

      select(nodes, edges = []) {
        set({ selectedNodes: nodes, selectedEdges: edges });
      },

      setSelection(kind, id, selected) {
        const key = kind === "node" ? "selectedNodes" : "selectedEdges";
        const cur = get()[key];
        const has = cur.includes(id);
        if (selected && !has) set({ [key]: [...cur, id] } as Partial<EditorState>);
        else if (!selected && has) set({ [key]: cur.filter((x) => x !== id) } as Partial<EditorState>);
      },

      selectAll() {
        const { flow } = get();
        set({ selectedNodes: flow.nodes.map((n) => n.id), selectedEdges: flow.edges.map((e) => e.id) });
      },

      undo() {
        const { past, future, flow } = get();
        const prev = past[past.length - 1];
        if (!prev) return;
        restore(prev, past.slice(0, -1), [flow, ...future]);
      },

      redo() {
        const { past, future, flow } = get();
        const next = future[0];
        if (!next) return;
        restore(next, [...past, flow], future.slice(1));
      },

      copy() {
        const { flow, selectedNodes } = get();
        const ids = new Set(selectedNodes);
        if (ids.size === 0) return;
        set({
          clipboard: {
            nodes: structuredClone(flow.nodes.filter((n) => ids.has(n.id))),
            edges: structuredClone(flow.edges.filter((e) => ids.has(e.source) && ids.has(e.target))),
          },
        });
      },

      paste(offset = { x: 40, y: 40 }) {
        const { clipboard, flow } = get();
        if (!clipboard || clipboard.nodes.length === 0) return;
        const taken = new Set(flow.nodes.map((n) => n.id));
        const rename = new Map<string, string>();
        const nodes = clipboard.nodes.map((n) => {
          const id = nextId(n.kind, taken);
          taken.add(id);
          rename.set(n.id, id);
          return { ...structuredClone(n), id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } };
        });
        const takenEdges = new Set(flow.edges.map((e) => e.id));
        const edges = clipboard.edges.map((e) => {
          const id = edgeId(takenEdges);
          takenEdges.add(id);
          return { ...e, id, source: rename.get(e.source)!, target: rename.get(e.target)! };
        });
        commit(
          { ...flow, nodes: [...flow.nodes, ...nodes], edges: [...flow.edges, ...edges] },
          { extra: { selectedNodes: nodes.map((n) => n.id), selectedEdges: edges.map((e) => e.id) } },
        );
        // A second paste lands further along instead of on top of the first.
        set({
          clipboard: {
            nodes: clipboard.nodes.map((n) => ({ ...n, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } })),
            edges: clipboard.edges,
          },
        });
      },

      duplicateSelection() {
        const saved = get().clipboard;
        get().copy();
        get().paste();
        set({ clipboard: saved });
      },

      focusNode(nodeId) {
        const seq = (get().focus?.seq ?? 0) + 1;
        set({ focus: { nodeId, seq }, selectedNodes: [nodeId], selectedEdges: [] });
      },

      clearRefusal() {
        set({ refusal: null });
      },

      refuse(reason) {
        set({ refusal: reason });
      },
    };
  });
}

/** Parse a flow from untrusted JSON text (a template file or pasted text); nothing is applied on error. */
export function parseFlowText(text: string): { ok: true; flow: FlowGraph } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `This is not valid JSON: ${(e as Error).message}` };
  }
  // A template file may wrap the flow ({ id, flow }) or be the flow itself.
  const candidate = raw && typeof raw === "object" && "flow" in raw && !("nodes" in raw) ? (raw as { flow: unknown }).flow : raw;
  // The same reader the server uses: validates and migrates older versions forward.
  const doc = parseFlowDocument(candidate);
  if (!doc.ok) {
    const more = doc.errors.length > 4 ? ` (and ${doc.errors.length - 4} more)` : "";
    return { ok: false, error: `${doc.errors.slice(0, 4).join("\n")}${more}` };
  }
  return { ok: true, flow: doc.flow };
}

/** The app's single editor store. */
export const editorStore = createEditorStore();

export function useEditor<T>(selector: (s: EditorStore) => T): T {
  return useStore(editorStore, selector);
}
