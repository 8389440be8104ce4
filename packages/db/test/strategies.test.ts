import { FLOW_FORMAT, FLOW_VERSION, type FlowGraph } from "@keyflow/core";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDb } from "./helpers";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const flow = (name: string, period = 10): FlowGraph => ({
  format: FLOW_FORMAT,
  version: FLOW_VERSION,
  name,
  description: "",
  market: { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" },
  settings: { initialCash: 10_000, feeRate: 0.001, slippage: 0, sizing: { mode: "percentEquity", value: 100 } },
  nodes: [{ id: "sma", kind: "sma", params: { period }, position: { x: 0, y: 0 } }],
  edges: [],
});

describe("strategies and versions", () => {
  it("saves versions, skips identical saves, lists with the latest market", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const repo = t.db.strategies;
    const created = repo.create({ id: "s1", flow: flow("One"), specHash: "h1" });
    expect(created).toMatchObject({ id: "s1", name: "One", latestVersion: 1 });
    expect(repo.saveVersion("s1", flow("One"), "h1")).toMatchObject({ created: false });
    const saved = repo.saveVersion("s1", flow("One renamed", 20), "h2");
    expect(saved).toMatchObject({ created: true, strategy: { latestVersion: 2, name: "One renamed", specHash: "h2" } });
    expect(repo.versions("s1").map((v) => v.version)).toEqual([2, 1]);
    expect(repo.get("s1", 1)?.flow.nodes[0]?.params).toEqual({ period: 10 });
    expect(repo.list()).toMatchObject([{ id: "s1", market: { symbol: "DEMO/USDT" } }]);
    expect(repo.saveVersion("nope", flow("x"), null)).toBeUndefined();
  });

  it("a flow stored by an older Keyflow (format 1) reads back in the current format", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    t.db.strategies.create({ id: "s1", flow: flow("Old"), specHash: "h1" });
    const raw = new BetterSqlite3(t.db.path);
    raw.prepare("UPDATE strategy_versions SET flow = json_set(flow, '$.version', 1)").run();
    expect((raw.prepare("SELECT json_extract(flow, '$.version') AS v FROM strategy_versions").get() as { v: number }).v).toBe(1);
    raw.close();
    expect(t.db.strategies.get("s1")?.flow).toEqual(flow("Old"));
  });

  it("deleting a strategy keeps its backtests but unlinks them", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    t.db.strategies.create({ id: "s1", flow: flow("One"), specHash: "h1" });
    t.db.backtests.create({
      id: "r1",
      strategyId: "s1",
      strategyVersion: 1,
      flow: flow("One"),
      specHash: "h1",
      market: { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1h" },
      fromTime: 0,
      toTime: 1,
      settings: flow("One").settings,
      bars: 10,
    });
    expect(t.db.backtests.listForStrategy("s1")).toHaveLength(1);
    expect(t.db.strategies.remove("s1")).toBe(true);
    expect(t.db.backtests.get("r1")).toMatchObject({ strategyId: null, status: "queued" });
    expect(t.db.backtests.failInterrupted()).toBe(1);
    expect(t.db.backtests.get("r1")).toMatchObject({ status: "failed" });
  });
});
