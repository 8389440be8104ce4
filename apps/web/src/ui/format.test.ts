import { describe, expect, it } from "vitest";
import { tickLabel } from "./format";

describe("tickLabel", () => {
  const at = (iso: string) => Date.parse(iso) / 1000;
  it("labels every kind of time-axis tick whole, in UTC: never a bare day number or a cut time", () => {
    expect(tickLabel(at("2024-01-01T00:00:00Z"), 0)).toBe("2024");
    expect(tickLabel(at("2024-08-01T00:00:00Z"), 1)).toBe("Aug");
    expect(tickLabel(at("2024-03-02T00:00:00Z"), 2)).toBe("2 Mar");
    expect(tickLabel(at("2024-03-02T13:11:00Z"), 3)).toBe("13:11");
    expect(tickLabel(at("2024-03-02T18:00:05Z"), 4)).toBe("18:00:05");
    // Late in a UTC day is still that day (not the viewer's local one).
    expect(tickLabel(at("2024-12-31T23:30:00Z"), 2)).toBe("31 Dec");
  });
});
