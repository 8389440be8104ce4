import { describe, expect, it } from "vitest";
import { freeSpot, type Rect } from "./placement";

const SIZE = { width: 188, height: 100 };
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("click-to-add placement", () => {
  it("puts the first block with its centre on the view's centre", () => {
    const p = freeSpot({ x: 400, y: 300 }, SIZE, []);
    expect(p).toEqual({ x: 304, y: 256 });
  });

  it("never overlaps a block, however often the same centre is clicked", () => {
    const placed: Rect[] = [];
    for (let i = 0; i < 30; i++) {
      const p = freeSpot({ x: 400, y: 300 }, SIZE, placed);
      const r = { ...p, ...SIZE };
      expect(placed.filter((o) => overlap(r, o))).toEqual([]);
      placed.push(r);
    }
  });

  it("keeps a gap for the ports and stays near the centre", () => {
    const blocker = { x: 300, y: 250, ...SIZE };
    const p = freeSpot({ x: 394, y: 300 }, SIZE, [blocker], { gap: 16 });
    const r = { ...p, ...SIZE };
    const apart = r.x >= blocker.x + blocker.width + 16 || blocker.x >= r.x + r.width + 16 || r.y >= blocker.y + blocker.height + 16 || blocker.y >= r.y + r.height + 16;
    expect(apart).toBe(true);
    // The nearest free spot is just above or below the blocker, not somewhere far away.
    expect(Math.hypot(p.x + SIZE.width / 2 - 394, p.y + SIZE.height / 2 - 300)).toBeLessThanOrEqual(SIZE.height + 16 + 16);
  });

  it("snaps to the grid", () => {
    const p = freeSpot({ x: 401, y: 299 }, SIZE, [{ x: 250, y: 200, width: 300, height: 200 }]);
    expect(p.x % 16).toBe(0);
    expect(p.y % 16).toBe(0);
  });

  it("goes right of everything when nothing near is free", () => {
    const wall = { x: -5000, y: -5000, width: 10_000, height: 10_000 };
    const p = freeSpot({ x: 0, y: 0 }, SIZE, [wall], { reach: 3 });
    expect(p.x).toBeGreaterThanOrEqual(5000 + 16);
    expect(p).toEqual({ x: Math.round(p.x / 16) * 16, y: -48 });
  });
});
