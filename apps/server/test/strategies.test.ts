import { TEMPLATES } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { template, testServices, userErrorOf } from "./helpers";

let t: ReturnType<typeof testServices> | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("strategies router", () => {
  it("creates, saves versions, renames, lists and deletes", async () => {
    t = testServices();
    const flow = template("sma-cross");
    const created = await t.caller.strategies.create({ flow });
    expect(created).toMatchObject({ name: flow.name, latestVersion: 1 });
    expect(created.specHash).toMatch(/^[0-9a-f]{64}$/);

    expect(await t.caller.strategies.save({ id: created.id, flow })).toMatchObject({ created: false });
    const moved = { ...flow, nodes: flow.nodes.map((n) => ({ ...n, position: { x: n.position.x + 5, y: n.position.y } })) };
    const v2 = await t.caller.strategies.save({ id: created.id, flow: moved });
    expect(v2).toMatchObject({ created: true, strategy: { latestVersion: 2 } });
    // Moving blocks does not change what the strategy does.
    expect(v2.strategy.specHash).toBe(created.specHash);

    // A draft that does not compile yet is still saved, without a spec hash.
    const draft = { ...flow, edges: [] };
    const v3 = await t.caller.strategies.save({ id: created.id, flow: draft });
    expect(v3.strategy).toMatchObject({ latestVersion: 3, specHash: null });

    expect((await t.caller.strategies.versions({ id: created.id })).map((v) => v.version)).toEqual([3, 2, 1]);
    expect((await t.caller.strategies.get({ id: created.id, version: 1 })).flow).toEqual(flow);
    await t.caller.strategies.rename({ id: created.id, name: "Mine" });
    expect(await t.caller.strategies.list()).toMatchObject([{ id: created.id, name: "Mine", market: flow.market }]);
    expect(await t.caller.strategies.delete({ id: created.id })).toEqual({ deleted: true });
    const gone = await userErrorOf(t.caller.strategies.get({ id: created.id }));
    expect(gone).toMatchObject({ kind: "notFound", message: expect.stringMatching(/does not exist/) });
  });

  it("remembers the market, settings and date range saved with a strategy; a template keeps the market but not the range", async () => {
    t = testServices();
    const flow = {
      ...template("sma-cross"),
      market: { exchange: "binance", symbol: "ETH/USDT", timeframe: "4h" as const },
      settings: { ...template("sma-cross").settings, initialCash: 2500, feeRate: 0.002, slippage: 0.0005 },
      range: { preset: "custom" as const, from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 5, 30, 23, 59, 59, 999) },
    };
    const s = await t.caller.strategies.create({ flow });
    const back = (await t.caller.strategies.get({ id: s.id })).flow;
    expect({ market: back.market, settings: back.settings, range: back.range }).toEqual({ market: flow.market, settings: flow.settings, range: flow.range });
    const doc = JSON.parse((await t.caller.templates.export({ strategyId: s.id })).json);
    expect(doc.market).toEqual(flow.market);
    expect(doc).not.toHaveProperty("range");
  });

  it("refuses an invalid flow with the field that is wrong", async () => {
    t = testServices();
    const flow = { ...template("sma-cross"), surprise: 1 };
    await expect(t.caller.strategies.create({ flow: flow as never })).rejects.toThrow(/surprise/);
  });
});

describe("templates router", () => {
  it("lists the built-in templates", async () => {
    t = testServices();
    const list = await t.caller.templates.list();
    expect(list.map((x) => x.id)).toEqual(TEMPLATES.map((x) => x.id));
    expect(list.map((x) => x.id)).toEqual(expect.arrayContaining(["sma-cross", "rsi-reversion", "macd-trend", "bollinger-breakout"]));
  });

  it("exports a strategy without ids or secrets and imports it back", async () => {
    t = testServices();
    const flow = template("rsi-reversion");
    flow.nodes[0]!.params = { ...flow.nodes[0]!.params, apiSecret: "hunter2" };
    const s = await t.caller.strategies.create({ flow: template("rsi-reversion") });
    const exported = await t.caller.templates.export({ strategyId: s.id });
    expect(exported.fileName).toBe("rsi-reversion.keyflow.json");
    expect(exported.json).not.toContain(s.id);
    const doc = JSON.parse(exported.json);
    expect(Object.keys(doc).sort()).toEqual(["description", "edges", "format", "market", "name", "nodes", "settings", "version"]);

    const fromFlow = await t.caller.templates.export({ flow });
    expect(fromFlow.json).not.toContain("hunter2");

    const imported = await t.caller.templates.import({ json: exported.json, save: true });
    expect(imported).toMatchObject({ migratedFrom: null, problems: [], strategy: { name: flow.name, latestVersion: 1 } });
    expect(imported.strategy!.specHash).toBe(s.specHash);
  });

  it("refuses unknown fields, bad JSON, newer versions and oversized files with a clear message", async () => {
    t = testServices();
    const good = JSON.parse((await t.caller.templates.export({ flow: template("sma-cross") })).json);

    const unknown = await userErrorOf(t.caller.templates.import({ json: JSON.stringify({ ...good, owner: "me" }) }));
    expect(unknown.kind).toBe("template");
    expect(unknown.message).toMatch(/unknown field "owner"/);

    const nodeField = structuredClone(good);
    nodeField.nodes[0].color = "red";
    expect((await userErrorOf(t.caller.templates.import({ json: JSON.stringify(nodeField) }))).message).toMatch(/nodes\.0: unknown field "color"/);

    expect((await userErrorOf(t.caller.templates.import({ json: "{ not json" }))).message).toMatch(/not valid JSON/);
    expect((await userErrorOf(t.caller.templates.import({ json: JSON.stringify({ ...good, version: 99 }) }))).message).toMatch(/newer Keyflow/);
    expect((await userErrorOf(t.caller.templates.import({ json: JSON.stringify({ ...good, format: "other" }) }))).message).toMatch(/not a Keyflow flow/);
    const big = JSON.stringify({ ...good, description: "x".repeat(600 * 1024) });
    expect((await userErrorOf(t.caller.templates.import({ json: big }))).message).toMatch(/at most 512 KB/);
  });

  it("imports a template that does not compile, listing its problems for the editor", async () => {
    t = testServices();
    const broken = { ...template("sma-cross"), edges: [] };
    const r = await t.caller.templates.import({ json: JSON.stringify(broken) });
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems[0]).toHaveProperty("nodeId");
    expect(r.strategy).toBeNull();
  });
});

describe("health", () => {
  it("answers", async () => {
    t = testServices();
    expect(await t.caller.health.check()).toMatchObject({ ok: true, version: expect.any(String), runningBacktests: 0 });
  });
});
