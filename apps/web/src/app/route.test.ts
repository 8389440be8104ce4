import { describe, expect, it } from "vitest";
import { formatRoute, parseRoute } from "./route";

describe("route in the URL hash", () => {
  it("names the strategy, the tab and the shown run, and reads back the same", () => {
    const routes = [
      { strategyId: "abc-1", view: "editor" as const, runId: null },
      { strategyId: "abc-1", view: "results" as const, runId: "run-9" },
      { strategyId: "abc-1", view: "results" as const, runId: null },
      { strategyId: "abc-1", view: "data" as const, runId: null },
      { strategyId: null, view: "bots" as const, runId: null },
    ];
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
    expect(formatRoute(routes[1]!)).toBe("#/s/abc-1/results/run-9");
  });

  it("ignores what it does not know: an empty hash, an unknown tab opens the editor", () => {
    expect(parseRoute("")).toBeNull();
    expect(parseRoute("#/nowhere")).toBeNull();
    expect(parseRoute("#/s/x/weird")).toEqual({ strategyId: "x", view: "editor", runId: null });
    // A run id belongs to the results tab only.
    expect(parseRoute("#/s/x/bots/r1")).toEqual({ strategyId: "x", view: "bots", runId: null });
  });
});
