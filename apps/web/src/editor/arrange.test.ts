import { describe, expect, it } from "vitest";
import { getTemplate } from "@keyflow/core";
import { arrange, type Box } from "./arrange";

const overlap = (a: Box & { x: number; y: number }, b: Box & { x: number; y: number }) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("arrange", () => {
  const flow = getTemplate("sma-cross-rsi-filter")!.flow;
  const boxes: Box[] = flow.nodes.map((n, i) => ({ id: n.id, width: 188, height: 90 + (i % 3) * 30 }));
  const at = arrange(boxes, flow.edges);
  const placed = boxes.map((b) => ({ ...b, ...at.get(b.id)! }));

  it("places every block without overlaps", () => {
    expect(at.size).toBe(boxes.length);
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlap(placed[i]!, placed[j]!), `${placed[i]!.id} / ${placed[j]!.id}`).toBe(false);
  });

  it("makes every link go left to right", () => {
    const byId = new Map(placed.map((p) => [p.id, p]));
    for (const e of flow.edges) expect(byId.get(e.source)!.x + 188).toBeLessThanOrEqual(byId.get(e.target)!.x);
  });

  it("snaps to the grid and ignores links to missing blocks", () => {
    for (const p of placed) expect([p.x % 16, p.y % 16].map(Math.abs)).toEqual([0, 0]);
    expect(arrange(boxes.slice(0, 2), [{ source: boxes[0]!.id, target: "gone" }]).size).toBe(2);
  });
});
