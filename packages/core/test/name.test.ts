import { describe, expect, it } from "vitest";
import { nameSchema } from "../src/flow/name";
import { flowGraphSchema } from "../src/flow/schema";
import { TEMPLATES } from "../src/templates";

describe("names", () => {
  it("are trimmed and kept as written, emoji and accents included", () => {
    expect(nameSchema.parse("  Trend 🚀 café  ")).toBe("Trend 🚀 café");
    expect(nameSchema.parse("x".repeat(100))).toHaveLength(100);
  });

  it("refuse blanks, overlong names, control characters, bidi overrides and lone surrogates, saying what to change", () => {
    const message = (s: string) => nameSchema.safeParse(s).error?.issues[0]?.message ?? "accepted";
    expect(message("   ")).toMatch(/cannot be empty/);
    expect(message("x".repeat(101))).toMatch(/at most 100/);
    for (const s of ["a\u0000b", "a\nb", "tab\there", "\u001b[31mred"]) expect(message(s), JSON.stringify(s)).toMatch(/control characters/);
    for (const s of ["\u202Eexe.txt", "a\u2066b", "a\u200Fb"]) expect(message(s), JSON.stringify(s)).toMatch(/text-direction/);
    for (const s of ["a\ud800", "\udc00b"]) expect(message(s), JSON.stringify(s)).toMatch(/broken character/);
  });

  it("apply to a flow's name, and every shipped template passes", () => {
    const flow = TEMPLATES[0]!.flow;
    expect(flowGraphSchema.safeParse({ ...flow, name: "\u202Eevil" }).success).toBe(false);
    for (const t of TEMPLATES) expect(nameSchema.safeParse(t.flow.name).success, t.id).toBe(true);
  });
});
