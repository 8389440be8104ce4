import { describe, expect, it } from "vitest";
import { combineEquity } from "../src";

describe("combineEquity (cash split equally between markets)", () => {
  it("averages the curves on the union of their times, each held at its last value (initial cash before its first)", () => {
    const a = { time: [1, 2, 3, 4], value: [1000, 1100, 900, 1200] };
    const b = { time: [3, 4, 5], value: [1000, 800, 1000] }; // starts later, ends later
    const p = combineEquity([a, b], 1000, [3, 2]);
    expect(p.equity.time).toEqual([1, 2, 3, 4, 5]);
    expect(p.equity.value).toEqual([1000, 1050, 950, 1000, 1100]);
    expect(p.returnPct).toBeCloseTo(10, 12);
    // Peak 1050, then 950: a fall of 100 / 1050.
    expect(p.maxDrawdownPct).toBeCloseTo((100 / 1050) * 100, 12);
    expect(p.trades).toBe(5);
  });

  it("one market is that market", () => {
    const a = { time: [1, 2, 3], value: [500, 400, 600] };
    const p = combineEquity([a], 500);
    expect(p.equity.value).toEqual(a.value);
    expect(p.maxDrawdownPct).toBeCloseTo(20, 12);
    expect(p.returnPct).toBeCloseTo(20, 12);
  });
});
