import { describe, expect, it } from "vitest";
import { getTemplate, type FlowGraph } from "@keyflow/core";
import { createEditorStore, emptyFlow, isValidConnection, parseFlowText } from "./store";

const smaCross = (): FlowGraph => structuredClone(getTemplate("sma-cross")!.flow);

describe("editor store", () => {
  it("adds a node with the block's default params and selects it", () => {
    const s = createEditorStore(emptyFlow());
    const id = s.getState().addNode("sma", { x: 10, y: 20 });
    expect(id).toBe("sma-1");
    const node = s.getState().flow.nodes[0]!;
    expect(node).toMatchObject({ kind: "sma", params: { period: 20 }, position: { x: 10, y: 20 } });
    expect(s.getState().selectedNodes).toEqual(["sma-1"]);
    expect(s.getState().addNode("nope")).toBeNull();
  });

  it("makes a param a sweep range and back; the flow still compiles to the same spec; undo restores", () => {
    const s = createEditorStore(smaCross());
    const st = () => s.getState();
    const hashOf = () => {
      const v = st().validation;
      return v.ok ? v.hash : null;
    };
    const hash = hashOf();
    expect(hash).not.toBeNull();
    st().setParamRange("fast", "period", { from: 5, to: 14, step: 1 });
    expect(st().flow.nodes.find((n) => n.id === "fast")!.ranges).toEqual({ period: { from: 5, to: 14, step: 1 } });
    expect(hashOf()).toBe(hash);
    st().setParamRange("fast", "period", null);
    expect("ranges" in st().flow.nodes.find((n) => n.id === "fast")!).toBe(false);
    st().undo();
    expect(st().flow.nodes.find((n) => n.id === "fast")!.ranges).toEqual({ period: { from: 5, to: 14, step: 1 } });
  });

  it("undoes and redoes every edit as a snapshot", () => {
    const s = createEditorStore(emptyFlow());
    const st = () => s.getState();
    st().addNode("price");
    st().addNode("sma");
    st().connect({ source: "price-1", sourceHandle: "value", target: "sma-1", targetHandle: "source" });
    expect(st().flow.edges).toHaveLength(1);
    st().undo();
    expect(st().flow.edges).toHaveLength(0);
    expect(st().flow.nodes).toHaveLength(2);
    st().undo();
    expect(st().flow.nodes.map((n) => n.id)).toEqual(["price-1"]);
    st().redo();
    st().redo();
    expect(st().flow.edges).toHaveLength(1);
    st().redo(); // nothing left: no change
    expect(st().flow.edges).toHaveLength(1);
    // A new edit after an undo drops the redo branch.
    st().undo();
    st().addNode("ema");
    expect(st().future).toHaveLength(0);
  });

  it("typing into one param is one undo step", () => {
    const s = createEditorStore(emptyFlow());
    const st = () => s.getState();
    st().addNode("sma");
    for (const v of [2, 25, 250]) st().setParam("sma-1", "period", v);
    expect(st().flow.nodes[0]!.params.period).toBe(250);
    st().undo();
    expect(st().flow.nodes[0]!.params.period).toBe(20);
  });

  it("a drag gesture is one undo step", () => {
    const s = createEditorStore(emptyFlow());
    const st = () => s.getState();
    st().addNode("sma", { x: 0, y: 0 });
    st().moveNodes([{ id: "sma-1", position: { x: 10, y: 0 }, dragging: true }]);
    st().moveNodes([{ id: "sma-1", position: { x: 50, y: 30 }, dragging: true }]);
    st().moveNodes([{ id: "sma-1", position: { x: 64, y: 32 }, dragging: false }]);
    expect(st().flow.nodes[0]!.position).toEqual({ x: 64, y: 32 });
    st().undo();
    expect(st().flow.nodes[0]!.position).toEqual({ x: 0, y: 0 });
  });

  it("refuses a connection of the wrong type with the compiler's reason and adds no edge", () => {
    const s = createEditorStore(emptyFlow());
    const st = () => s.getState();
    st().addNode("rsi");
    st().addNode("buy");
    const c = { source: "rsi-1", sourceHandle: "value", target: "buy-1", targetHandle: "when" };
    expect(isValidConnection(st().flow, c)).toEqual({ ok: false, reason: expect.stringContaining("true/false signal") });
    expect(st().connect(c)).toBe(false);
    expect(st().flow.edges).toHaveLength(0);
    expect(st().refusal).toMatch(/RSI gives a number series/);
    expect(st().past).toHaveLength(2); // the refusal is not an edit
  });

  it("refuses loops and a second edge into one input", () => {
    const s = createEditorStore(emptyFlow());
    const st = () => s.getState();
    st().addNode("sma");
    st().addNode("ema");
    st().addNode("price");
    expect(st().connect({ source: "sma-1", sourceHandle: "value", target: "ema-1", targetHandle: "source" })).toBe(true);
    expect(st().connect({ source: "ema-1", sourceHandle: "value", target: "sma-1", targetHandle: "source" })).toBe(false);
    expect(st().refusal).toMatch(/loop/);
    expect(st().connect({ source: "price-1", sourceHandle: "value", target: "ema-1", targetHandle: "source" })).toBe(false);
    expect(st().refusal).toMatch(/already connected/);
  });

  it("validates on every change", () => {
    const s = createEditorStore(smaCross());
    expect(s.getState().validation.ok).toBe(true);
    s.getState().setParam("fast", "period", 0);
    const v = s.getState().validation;
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors[0]).toMatchObject({ code: "badParam", nodeId: "fast", param: "period" });
    s.getState().setParam("fast", "period", 12);
    expect(s.getState().validation.ok).toBe(true);
  });


  it("moving blocks does not compile the flow again: positions never change what it compiles to", () => {
    const s = createEditorStore(smaCross());
    const before = s.getState().validation;
    s.getState().moveNodes([{ id: "fast", position: { x: 300, y: 200 }, dragging: true }]);
    s.getState().moveNodes([{ id: "fast", position: { x: 320, y: 208 }, dragging: false }]);
    expect(s.getState().validation).toBe(before);
    expect(s.getState().dirty).toBe(true);
  });
  it("deleting a node deletes its edges; deleting the selection deletes both", () => {
    const s = createEditorStore(smaCross());
    const st = () => s.getState();
    st().deleteNodes(["fast"]);
    expect(st().flow.edges.some((e) => e.source === "fast" || e.target === "fast")).toBe(false);
    st().select(["slow"], ["e1"]);
    st().deleteSelection();
    expect(st().flow.nodes.some((n) => n.id === "slow")).toBe(false);
    expect(st().flow.edges.some((e) => e.id === "e1")).toBe(false);
    expect(st().selectedNodes).toEqual([]);
  });

  it("copies and pastes a selection with new ids and its inner edges only", () => {
    const s = createEditorStore(smaCross());
    const st = () => s.getState();
    st().select(["fast", "slow", "up"]);
    st().copy();
    st().paste();
    const flow = st().flow;
    expect(flow.nodes).toHaveLength(10);
    const pasted = st().selectedNodes;
    expect(pasted).toEqual(["sma-1", "sma-2", "crossAbove-1"]);
    const inner = flow.edges.filter((e) => pasted.includes(e.target));
    expect(inner.map((e) => [e.source, e.target])).toEqual([
      ["sma-1", "crossAbove-1"],
      ["sma-2", "crossAbove-1"],
    ]);
    const fast = flow.nodes.find((n) => n.id === "fast")!;
    expect(flow.nodes.find((n) => n.id === "sma-1")!.position).toEqual({ x: fast.position.x + 40, y: fast.position.y + 40 });
    st().undo();
    expect(st().flow.nodes).toHaveLength(7);
  });

  it("tracks unsaved changes against the last save", () => {
    const s = createEditorStore(emptyFlow());
    const st = () => s.getState();
    st().load(smaCross(), "strat-1");
    expect(st().dirty).toBe(false);
    st().setName("Mine");
    expect(st().dirty).toBe(true);
    st().undo();
    expect(st().dirty).toBe(false);
    st().setName("Mine");
    st().markSaved("strat-1");
    expect(st().dirty).toBe(false);
  });

  it("parses pasted template text and explains what is wrong", () => {
    expect(parseFlowText("{nope")).toMatchObject({ ok: false, error: expect.stringContaining("not valid JSON") });
    const bad = parseFlowText(JSON.stringify({ format: "keyflow.flow", version: 1, nodes: [] }));
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining("name") });
    const good = parseFlowText(JSON.stringify(smaCross()));
    expect(good.ok).toBe(true);
    expect(parseFlowText(JSON.stringify({ id: "x", flow: smaCross() })).ok).toBe(true);
  });
});
