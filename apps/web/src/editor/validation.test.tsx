import { describe, expect, it } from "vitest";
import { act, fireEvent, render, screen } from "@testing-library/react";
import { ReactFlowProvider } from "@xyflow/react";
import { getTemplate } from "@keyflow/core";
import { ProblemsList } from "./Inspector";
import { BlockNode } from "./BlockNode";
import { editorStore } from "./store";
import { blockedReason, danglingLinks, issuesByNode } from "./validation";
import { sizeBeforeDrawn } from "./placement";
import { getBlock } from "@keyflow/core";
import { rfIsValidConnection } from "./Canvas";

const smaCross = () => structuredClone(getTemplate("sma-cross")!.flow);

describe("validation display", () => {
  it("lists compile errors and focuses the node when one is clicked", () => {
    const flow = smaCross();
    flow.edges = flow.edges.filter((e) => e.id !== "e7"); // Buy loses its signal
    act(() => editorStore.getState().load(flow));
    render(<ProblemsList />);
    const problems = screen.getAllByTestId("problem-error");
    expect(problems.length).toBeGreaterThan(0);
    const buy = problems.find((p) => p.getAttribute("data-node") === "buy")!;
    expect(buy.textContent).toContain("Connect something to “When”".replace(/[“”]/g, '"'));
    fireEvent.click(buy);
    expect(editorStore.getState().focus?.nodeId).toBe("buy");
    expect(editorStore.getState().selectedNodes).toEqual(["buy"]);
  });

  it("points an imported link to a missing block at the block that exists, and deletes it from the list", () => {
    const flow = smaCross();
    flow.edges.push({ id: "ghost", source: "fast", sourceHandle: "value", target: "gone", targetHandle: "a" });
    act(() => editorStore.getState().load(flow));
    render(<ProblemsList />);
    const problem = screen.getAllByTestId("problem-error").find((p) => p.textContent?.includes('"gone"'))!;
    expect(problem.getAttribute("data-node")).toBe("fast");
    fireEvent.click(problem);
    expect(editorStore.getState().selectedNodes).toEqual(["fast"]);
    fireEvent.click(screen.getByTestId("problem-delete-edge"));
    expect(editorStore.getState().flow.edges.some((e) => e.id === "ghost")).toBe(false);
    expect(editorStore.getState().validation.ok).toBe(true);
  });

  it("says the flow compiles and shows the spec hash when it does", () => {
    act(() => editorStore.getState().load(smaCross()));
    render(<ProblemsList />);
    expect(screen.getByTestId("compiles-ok").textContent).toContain("Ready to backtest");
    const v = editorStore.getState().validation;
    expect(v.ok && screen.getByTestId("spec-hash").textContent === v.hash.slice(0, 12)).toBe(true);
  });

  it("the backtest button's reason names the first problem", () => {
    const flow = smaCross();
    flow.nodes = flow.nodes.filter((n) => n.id !== "buy");
    flow.edges = flow.edges.filter((e) => e.target !== "buy");
    act(() => editorStore.getState().load(flow));
    expect(blockedReason(editorStore.getState().validation)).toMatch(/^Fix \d+ problems? first: .*Buy/);
  });

  it("draws a node's errors on the node itself", () => {
    const flow = smaCross();
    flow.nodes.find((n) => n.id === "fast")!.params.period = 0;
    act(() => editorStore.getState().load(flow));
    const issues = issuesByNode(editorStore.getState().validation).get("fast")!;
    render(
      <ReactFlowProvider>
        <BlockNode
          id="fast"
          type="block"
          data={{ kind: "sma", params: { period: 0 }, errors: issues.errors, warnings: [], connectedInputs: ["source"] }}
          selected={false}
          dragging={false}
          zIndex={0}
          isConnectable
          positionAbsoluteX={0}
          positionAbsoluteY={0}
          selectable
          deletable
          draggable
        />
      </ReactFlowProvider>,
    );
    expect(screen.getByTestId("node-fast").className).toContain("has-error");
    expect(screen.getByTestId("node-error-badge").textContent).toBe("1");
    expect(screen.getByTestId("node-error").textContent).toMatch(/Period/);
    // Handles carry their port type (shape and colour come from it).
    expect(screen.getByTestId("handle-fast-in-source").className).toContain("series");
  });
});

describe("isValidConnection on the canvas", () => {
  it("refuses a series into a signal input and accepts a signal", () => {
    act(() => editorStore.getState().load(smaCross()));
    const base = { sourceHandle: "value", target: "buy", targetHandle: "when" };
    // "buy" already has its When connected; drop that edge first so only the type matters.
    act(() => editorStore.getState().deleteEdges(["e7"]));
    expect(rfIsValidConnection({ source: "fast", ...base })).toBe(false);
    expect(rfIsValidConnection({ source: "up", sourceHandle: "signal", target: "buy", targetHandle: "when" })).toBe(true);
  });
});

describe("danglingLinks", () => {
  it("puts a stand-in for each link with one missing end beside the block that exists, on no other block", () => {
    const flow = smaCross();
    const fast = flow.nodes.find((n) => n.id === "fast")!;
    const buy = flow.nodes.find((n) => n.id === "buy")!;
    flow.edges.push({ id: "to-gone", source: "fast", sourceHandle: "value", target: "gone", targetHandle: "a" });
    flow.edges.push({ id: "from-gone", source: "gone2", sourceHandle: "signal", target: "buy", targetHandle: "when" });
    flow.edges.push({ id: "nowhere", source: "x", sourceHandle: "value", target: "y", targetHandle: "a" });
    const links = danglingLinks(flow);
    expect(links.map(({ edgeId, missingId, side }) => ({ edgeId, missingId, side }))).toEqual([
      { edgeId: "to-gone", missingId: "gone", side: "target" },
      { edgeId: "from-gone", missingId: "gone2", side: "source" },
    ]);
    expect(links[0]!.position.x).toBeGreaterThan(fast.position.x);
    expect(links[1]!.position.x).toBeLessThan(buy.position.x);
    const rects = [...flow.nodes.map((n) => ({ ...n.position, ...sizeBeforeDrawn(getBlock(n.kind)!) })), ...links.map((l) => ({ ...l.position, width: 200, height: 90 }))];
    const overlap = (a: (typeof rects)[number], b: (typeof rects)[number]) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    for (const l of links) {
      const me = { ...l.position, width: 200, height: 90 };
      expect(rects.filter((r) => r !== me && overlap(r, me) && !(r.x === me.x && r.y === me.y))).toEqual([]);
    }
    expect(danglingLinks(smaCross())).toEqual([]);
  });
});
