import { describe, expect, it } from "vitest";
import { BLOCKS, searchBlocks } from "./index";

const kinds = (q: string) => searchBlocks(q).map((b) => b.kind);

describe("searchBlocks (palette search over names and aliases)", () => {
  it("finds blocks by the abbreviations traders type", () => {
    expect(kinds("BB")[0]).toBe("bbands");
    expect(kinds("bollinger")[0]).toBe("bbands");
    expect(kinds("SAR")[0]).toBe("sar");
    expect(kinds("%R")[0]).toBe("willr");
    expect(kinds("psar")[0]).toBe("sar");
    expect(kinds("kumo")[0]).toBe("ichimoku");
    expect(kinds("hull")[0]).toBe("hma");
  });

  it("is case-insensitive and ignores surrounding and repeated spaces", () => {
    expect(kinds("  bOLLinger  ")).toEqual(kinds("bollinger"));
    expect(kinds("moving   average")).toEqual(kinds("moving average"));
  });

  it("puts exact names before names that merely start with or contain the query", () => {
    const rsi = kinds("rsi");
    expect(rsi[0]).toBe("rsi");
    expect(rsi).toContain("stochRsi");
    expect(rsi.indexOf("rsi")).toBeLessThan(rsi.indexOf("stochRsi"));
  });

  it("finds every moving average by the words, in palette order", () => {
    const mas = kinds("moving average");
    for (const k of ["sma", "ema", "wma", "dema", "tema", "kama", "hma"]) expect(mas).toContain(k);
    expect(mas.indexOf("sma")).toBeLessThan(mas.indexOf("hma"));
  });

  it("matches all words of a query across name, help and category", () => {
    expect(kinds("volume index")).toContain("mfi");
    expect(kinds("volume index")).not.toContain("rsi");
  });

  it("returns every block for an empty query and nothing for nonsense", () => {
    expect(searchBlocks("")).toEqual([...BLOCKS]);
    expect(searchBlocks("   ")).toHaveLength(BLOCKS.length);
    expect(searchBlocks("qwxz")).toEqual([]);
  });

  it("gives every indicator at least one alias", () => {
    const bare = BLOCKS.filter((b) => b.category === "indicator" && !(b.aliases && b.aliases.length > 0)).map((b) => b.kind);
    expect(bare).toEqual([]);
  });
});
