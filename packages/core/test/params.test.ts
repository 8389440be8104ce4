import { describe, expect, it } from "vitest";
import { compile, getBlock, getTemplate, paramFieldsFor, rangeWords, TEMPLATES, type CompileIssue, type FlowGraph } from "../src";

const smaCross = () => structuredClone(getTemplate("sma-cross")!.flow);
const errorsOf = (f: FlowGraph): CompileIssue[] => {
  const r = compile(f);
  return r.ok ? [] : r.errors;
};
const withParams = (id: string, params: Record<string, unknown>) => {
  const f = smaCross();
  f.nodes.find((n) => n.id === id)!.params = params;
  return f;
};

describe("param problems in plain words", () => {
  it("says what a period may be, with the range, instead of the validator's text", () => {
    for (const period of [0, 2.5, 100_000, "ten"]) {
      const err = errorsOf(withParams("fast", { period })).find((e) => e.code === "badParam");
      expect(err).toMatchObject({ nodeId: "fast", param: "period", message: "SMA: Period must be a whole number from 1 to 5,000." });
    }
  });

  it("says an empty field is required", () => {
    expect(errorsOf(withParams("fast", { period: "" }))).toContainEqual(expect.objectContaining({ param: "period", message: "SMA: Period is required." }));
  });

  it("words ranges without bounds nobody meets", () => {
    expect(rangeWords(1, 5000)).toBe("from 1 to 5,000");
    expect(rangeWords(1e-12, 1e15)).toBe("greater than 0");
    expect(rangeWords(1e-12, 100)).toBe("greater than 0 and at most 100");
    expect(rangeWords(0, 99)).toBe("from 0 to 99");
  });
});

describe("size in % of equity", () => {
  const buyWith = (sizeMode: string, size: number) => {
    const f = smaCross();
    f.nodes.find((n) => n.kind === "buy")!.params = { sizeMode, size };
    return f;
  };

  it("is at most 100 %; a quote amount of 150 is fine", () => {
    expect(errorsOf(buyWith("percentEquity", 150))).toContainEqual(
      expect.objectContaining({ code: "badParam", param: "size", message: "Buy (market): Size must be a number greater than 0 and at most 100." }),
    );
    expect(compile(buyWith("percentEquity", 100)).ok).toBe(true);
    expect(compile(buyWith("quote", 150)).ok).toBe(true);
  });

  it("shows the bound that holds for the chosen unit", () => {
    const buy = getBlock("buy")!;
    expect(paramFieldsFor(buy, { sizeMode: "percentEquity", size: 5 }).find((f) => f.key === "size")).toMatchObject({ max: 100 });
    expect(paramFieldsFor(buy, {}).find((f) => f.key === "size")).toMatchObject({ max: 100 });
    expect(paramFieldsFor(buy, { sizeMode: "quote" }).find((f) => f.key === "size")).toMatchObject({ max: 1e15 });
  });

  it("leaves every shipped template compiling", () => {
    for (const t of TEMPLATES) expect(compile(t.flow).ok, t.id).toBe(true);
  });
});
