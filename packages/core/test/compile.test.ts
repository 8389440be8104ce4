import { describe, expect, it } from "vitest";
import { checkConnection, compile, getTemplate, type CompileIssue, type FlowGraph } from "../src";
import { makeFlow } from "./fixtures";

const smaCross = () => structuredClone(getTemplate("sma-cross")!.flow);

function errorsOf(flow: unknown): CompileIssue[] {
  const r = compile(flow);
  if (r.ok) throw new Error("expected compile errors");
  return r.errors;
}

describe("compile: errors point at the node and say what to do", () => {
  it("rejects an unknown block", () => {
    const f = smaCross();
    f.nodes.push({ id: "x", kind: "moonSignal", params: {}, position: { x: 0, y: 0 } });
    expect(errorsOf(f)).toContainEqual(expect.objectContaining({ code: "unknownBlock", nodeId: "x" }));
  });

  it("names a missing required input", () => {
    const f = smaCross();
    f.edges = f.edges.filter((e) => !(e.target === "up" && e.targetHandle === "a"));
    const [err] = errorsOf(f);
    expect(err).toMatchObject({ code: "missingInput", nodeId: "up", port: "a" });
    expect(err!.message).toContain("Connect something");
  });

  it("refuses a number series where a signal is needed and suggests a condition", () => {
    const f = smaCross();
    f.edges = f.edges.map((e) => (e.target === "buy" ? { ...e, source: "fast", sourceHandle: "value" } : e));
    const err = errorsOf(f).find((e) => e.code === "typeMismatch")!;
    expect(err).toMatchObject({ nodeId: "buy", port: "when" });
    expect(err.message).toMatch(/number series.*true\/false signal.*condition/);
  });

  it("finds a cycle", () => {
    const f = makeFlow(
      [["a", "add"], ["b", "add"], ["c", "greaterThan"], ["buy", "buy"]],
      [["a", "value", "b", "a"], ["b", "value", "a", "a"], ["b", "value", "c", "a"], ["c", "signal", "buy", "when"]],
    );
    const cyclic = errorsOf(f).filter((e) => e.code === "cycle").map((e) => e.nodeId);
    expect(cyclic.sort()).toEqual(["a", "b"]);
  });

  it("points at a param out of range", () => {
    const f = smaCross();
    f.nodes.find((n) => n.id === "fast")!.params = { period: 0 };
    expect(errorsOf(f)).toContainEqual(expect.objectContaining({ code: "badParam", nodeId: "fast", param: "period" }));
  });

  it("refuses unknown params by name", () => {
    const f = smaCross();
    f.nodes.find((n) => n.id === "fast")!.params = { period: 10, lenght: 3 };
    const err = errorsOf(f).find((e) => e.code === "badParam")!;
    expect(err.message).toContain('"lenght"');
  });

  it("requires an action block", () => {
    const f = smaCross();
    f.nodes = f.nodes.filter((n) => n.kind !== "buy");
    f.edges = f.edges.filter((e) => e.target !== "buy");
    expect(errorsOf(f)).toContainEqual(expect.objectContaining({ code: "noAction" }));
  });

  it("refuses one signal that both buys and sells", () => {
    const f = smaCross();
    f.edges = f.edges.map((e) => (e.target === "sell" ? { ...e, source: "up" } : e));
    const conflicts = errorsOf(f).filter((e) => e.code === "conflict").map((e) => e.nodeId);
    expect(conflicts.sort()).toEqual(["buy", "sell"]);
  });

  it("refuses two stop-losses on one entry", () => {
    const f = smaCross();
    f.nodes.push({ id: "sl1", kind: "stopLoss", params: { pct: 2 }, position: { x: 0, y: 0 } }, { id: "sl2", kind: "stopLoss", params: { pct: 3 }, position: { x: 0, y: 0 } });
    f.edges.push(
      { id: "s1", source: "buy", sourceHandle: "order", target: "sl1", targetHandle: "order" },
      { id: "s2", source: "buy", sourceHandle: "order", target: "sl2", targetHandle: "order" },
    );
    expect(errorsOf(f)).toContainEqual(expect.objectContaining({ code: "conflict", nodeId: "sl2" }));
  });

  it("reports an invalid document with the field path instead of throwing", () => {
    const errs = errorsOf({ format: "keyflow.flow", version: 1, name: "", nodes: "x" });
    expect(errs.every((e) => e.code === "invalidFlow")).toBe(true);
    expect(errs.map((e) => e.message).join(" ")).toContain("nodes");
  });

  it("warns about blocks that lead nowhere and leaves them out of the spec", () => {
    const f = smaCross();
    f.nodes.push({ id: "lonely", kind: "rsi", params: {}, position: { x: 0, y: 0 } });
    f.edges.push({ id: "l", source: "close", sourceHandle: "value", target: "lonely", targetHandle: "source" });
    const r = compile(f);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: "unusedBlock", nodeId: "lonely" }));
    expect(r.spec.nodes.some((n) => n.kind === "rsi")).toBe(false);
  });
});

describe("compile: the spec and its hash", () => {
  const hashOf = (f: FlowGraph) => {
    const r = compile(f);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.hash;
  };

  it("is topologically ordered and free of positions and ids", () => {
    const r = compile(smaCross());
    if (!r.ok) throw new Error();
    r.spec.nodes.forEach((n, i) => {
      for (const ref of n.inputs) if ("node" in ref) expect(ref.node).toBeLessThan(i);
    });
    const text = JSON.stringify(r.spec);
    expect(text).not.toContain("position");
    expect(text).not.toContain('"fast"');
    expect(r.nodeIds).toHaveLength(r.spec.nodes.length);
  });

  it("does not change when nodes move, ids change, arrays reorder or defaults are spelled out", () => {
    const base = hashOf(smaCross());
    const moved = smaCross();
    moved.nodes.forEach((n) => (n.position = { x: n.position.x + 33, y: -n.position.y }));
    moved.name = "renamed";
    expect(hashOf(moved)).toBe(base);

    const renamed = smaCross();
    const rename = (id: string) => `n_${id}_x`;
    renamed.nodes = renamed.nodes.map((n) => ({ ...n, id: rename(n.id) })).reverse();
    renamed.edges = renamed.edges.map((e) => ({ ...e, id: `z${e.id}`, source: rename(e.source), target: rename(e.target) })).reverse();
    expect(hashOf(renamed)).toBe(base);

    const explicit = smaCross();
    explicit.nodes.find((n) => n.id === "up")!.params = { value: 0 };
    expect(hashOf(explicit)).toBe(base);
  });

  it("merges identical blocks, so duplicating and renaming them cannot change the hash", () => {
    const twin = () => {
      const f = smaCross();
      // A second SMA(10) of the close feeding the exit instead of the first one.
      f.nodes.push({ id: "fast2", kind: "sma", params: { period: 10 }, position: { x: 0, y: 0 } });
      f.edges.push({ id: "t1", source: "close", sourceHandle: "value", target: "fast2", targetHandle: "source" });
      f.edges = f.edges.map((e) => (e.target === "down" && e.source === "fast" ? { ...e, source: "fast2" } : e));
      return f;
    };
    const r = compile(twin());
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.spec.nodes.filter((n) => n.kind === "sma")).toHaveLength(2); // SMA 10 once, SMA 20 once
    expect(r.hash).toBe(hashOf(smaCross()));
    const renamed = twin();
    const swap = (id: string) => (id === "fast" ? "fast2" : id === "fast2" ? "fast" : id);
    renamed.nodes = renamed.nodes.map((n) => ({ ...n, id: swap(n.id) }));
    renamed.edges = renamed.edges.map((e) => ({ ...e, source: swap(e.source), target: swap(e.target) }));
    expect(hashOf(renamed)).toBe(r.hash);
  });

  it("changes when the semantics change", () => {
    const base = hashOf(smaCross());
    const f = smaCross();
    f.nodes.find((n) => n.id === "fast")!.params = { period: 11 };
    expect(hashOf(f)).not.toBe(base);
    const swapped = smaCross();
    swapped.edges = swapped.edges.map((e) => (e.target === "up" ? { ...e, targetHandle: e.targetHandle === "a" ? "b" : "a" } : e));
    expect(hashOf(swapped)).not.toBe(base);
  });

  it("resolves a default-sized entry from the flow settings", () => {
    const f = smaCross();
    f.nodes.find((n) => n.id === "buy")!.params = { sizeMode: "default", size: 1 };
    f.settings.sizing = { mode: "quote", value: 500 };
    const r = compile(f);
    if (!r.ok) throw new Error();
    expect(r.spec.nodes.find((n) => n.kind === "buy")!.params).toMatchObject({ sizeMode: "quote", size: 500 });
  });
});

describe("checkConnection (the editor's isValidConnection)", () => {
  const f = smaCross();
  it("refuses a type mismatch with the reason", () => {
    const r = checkConnection(f.nodes, f.edges, { source: "fast", sourceHandle: "value", target: "sell", targetHandle: "when" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain("true/false signal");
  });
  it("refuses a loop and an input that is already connected", () => {
    expect(checkConnection(f.nodes, f.edges, { source: "up", sourceHandle: "signal", target: "buy", targetHandle: "when" }).ok).toBe(false);
    const nodes = [...f.nodes, { id: "plus", kind: "add" }];
    const edges = [...f.edges, { source: "fast", target: "plus", targetHandle: "a" }];
    expect(checkConnection(nodes, edges, { source: "plus", sourceHandle: "value", target: "fast", targetHandle: "source" }).ok).toBe(false);
  });
  it("accepts a well-typed new edge", () => {
    const nodes = [...f.nodes, { id: "r", kind: "rsi" }];
    expect(checkConnection(nodes, f.edges, { source: "close", sourceHandle: "value", target: "r", targetHandle: "source" })).toEqual({ ok: true });
  });
});
