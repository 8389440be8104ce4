import { describe, expect, it } from "vitest";
import { Delay } from "./delay";
import { Streak } from "./streak";

describe("Delay (bars ago)", () => {
  it("returns the value N updates back, NaN before, and keeps NaN inputs in their place", () => {
    const d = new Delay(2);
    const out = [1, 2, NaN, 4, 5].map((x) => d.update(x));
    expect(out.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(out[2]).toBe(1);
    expect(out[3]).toBe(2);
    expect(Number.isNaN(out[4]!)).toBe(true);
  });
});

describe("Streak (rising / falling for N bars)", () => {
  it("is unknown until N moves are seen, then 1 only after N strict rises in a row", () => {
    const s = new Streak(2, true);
    const out = [1, 2, 3, 3, 4, 5, 4].map((x) => s.update(x));
    // moves:      +  +  =  +  +  -
    expect(out.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(out.slice(2)).toEqual([1, 0, 0, 1, 0]);
  });

  it("counts falls for the falling variant and restarts after a NaN", () => {
    const s = new Streak(1, false);
    const out = [5, 4, NaN, 3, 2].map((x) => s.update(x));
    expect(Number.isNaN(out[0]!)).toBe(true);
    expect(out[1]).toBe(1);
    expect(Number.isNaN(out[2]!)).toBe(true);
    expect(Number.isNaN(out[3]!)).toBe(true);
    expect(out[4]).toBe(1);
  });
});
