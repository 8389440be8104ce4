import { describe, expect, it } from "vitest";
import { formulaVariables, parseFormula } from "./parse";

function error(text: string): { message: string; at: number } {
  const r = parseFormula(text);
  if (r.ok) throw new Error(`expected "${text}" to be refused`);
  return r;
}

describe("parseFormula", () => {
  it("parses precedence: * before +, ^ before unary minus, comparisons last", () => {
    const r = parseFormula("-a^2 + b * 3 > c");
    expect(r.ok && r.isSignal).toBe(true);
    expect(r.ok && r.tree).toEqual({
      type: "compare",
      op: ">",
      left: {
        type: "binary",
        op: "+",
        left: { type: "negate", arg: { type: "binary", op: "^", left: { type: "variable", name: "a" }, right: { type: "number", value: 2 } } },
        right: { type: "binary", op: "*", left: { type: "variable", name: "b" }, right: { type: "number", value: 3 } },
      },
      right: { type: "variable", name: "c" },
    });
  });

  it("is left-associative for - and /", () => {
    const r = parseFormula("a - b - c");
    expect(r.ok && r.tree).toMatchObject({ op: "-", left: { op: "-", left: { name: "a" }, right: { name: "b" } }, right: { name: "c" } });
  });

  it("reads numbers with decimals and exponents, names case-insensitively, and lists the inputs used", () => {
    const r = parseFormula("MAX(A, .5e1, 2.) + abs(d)");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.isSignal).toBe(false);
    expect(r.tree).toMatchObject({ left: { type: "call", fn: "max", args: [{ name: "a" }, { value: 5 }, { value: 2 }] } });
    expect([...formulaVariables(r.tree)].sort()).toEqual(["a", "d"]);
  });

  it("points at the character of each mistake", () => {
    expect(error("(a - b)) / c")).toMatchObject({ at: 7, message: expect.stringMatching(/"\)" without a matching "\(".*character 8/) });
    expect(error("(a - b / c")).toMatchObject({ at: 10, message: expect.stringMatching(/close the "\(" at character 1/) });
    expect(error("a + e")).toMatchObject({ at: 4, message: expect.stringMatching(/unknown name "e".*a, b, c, d/) });
    expect(error("a + foo(b)")).toMatchObject({ at: 4, message: expect.stringMatching(/unknown function "foo"/) });
    expect(error("a = b")).toMatchObject({ at: 2, message: expect.stringMatching(/use "==" to compare/) });
    expect(error("a && b")).toMatchObject({ at: 2, message: expect.stringMatching(/And \/ Or blocks/) });
    expect(error("a < b < c")).toMatchObject({ at: 6, message: expect.stringMatching(/two values at a time/) });
    expect(error("abs(a, b)")).toMatchObject({ at: 0, message: expect.stringMatching(/abs\(…\) takes 1 value, got 2/) });
    expect(error("min(a)")).toMatchObject({ message: expect.stringMatching(/2 to 16 values/) });
    expect(error("a * ")).toMatchObject({ at: 4, message: expect.stringMatching(/found the end of the formula/) });
    expect(error("sqrt + 1")).toMatchObject({ at: 0, message: expect.stringMatching(/sqrt is a function/) });
    expect(error("   ")).toMatchObject({ at: 0, message: expect.stringMatching(/empty/) });
    expect(error("1e999")).toMatchObject({ message: expect.stringMatching(/too large/) });
  });

  it("refuses anything that is not the grammar: no JavaScript gets through", () => {
    for (const text of ["constructor", "a.constructor", "process.exit()", "a; b", "`a`", "'x'", "a[0]", "__proto__", "toString(a)", "hasOwnProperty(a)"]) {
      expect(parseFormula(text).ok, text).toBe(false);
    }
  });

  it("refuses absurd nesting and length instead of overflowing the stack", () => {
    expect(error("(".repeat(200) + "a" + ")".repeat(200)).message).toMatch(/nested too deeply/);
    expect(error("-".repeat(100) + "a").message).toMatch(/nested too deeply/);
    expect(error("a+".repeat(300) + "a").message).toMatch(/longer than 500/);
  });
});
