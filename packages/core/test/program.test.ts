import { expect, it } from "vitest";
import { backtest, BLOCKS, compile, type BlockDef } from "../src";
import { makeFlow } from "./fixtures";
import { describeWithSharedCsv } from "./describeWithSharedCsv";

/** A flow that feeds `block` from the close and buys on its first output. */
function flowAround(block: BlockDef) {
  const nodes: [string, string, Record<string, unknown>?][] = [["close", "price"], ["pos", "greaterThan", { value: 0 }], ["x", block.kind]];
  const edges: [string, string, string, string][] = [["close", "value", "pos", "a"]];
  for (const port of block.inputs) {
    if (port.type === "series") edges.push(["close", "value", "x", port.name]);
    if (port.type === "signal") edges.push(["pos", "signal", "x", port.name]);
  }
  const out = block.outputs[0]!;
  if (out.type === "series") {
    nodes.push(["test", "greaterThan", { value: 0 }]);
    edges.push(["x", out.name, "test", "a"], ["test", "signal", "buy", "when"]);
  } else {
    edges.push(["x", out.name, "buy", "when"]);
  }
  nodes.push(["buy", "buy"]);
  return makeFlow(nodes, edges);
}

describeWithSharedCsv("every compute block compiles into the generated program and runs", ["binance-BTCUSDT-1h.csv"], (candles) => {
  const compute = BLOCKS.filter((b) => b.role === "compute" && b.outputs.length > 0);
  it.each(compute.map((b) => [b.kind, b] as const))("%s", (_kind, block) => {
    const r = compile(flowAround(block));
    expect(r.ok, JSON.stringify(!r.ok && r.errors)).toBe(true);
    if (!r.ok) return;
    const res = backtest(r.spec, candles, { initialCash: 1000, feeRate: 0, slippage: 0 }, { record: true });
    expect(res.bars).toBe(candles.length);
    for (const s of res.series) {
      // After warm-up every indicator and math block produces numbers.
      expect(Number.isFinite(s.values[s.values.length - 1]!), `${block.kind} port ${s.port}`).toBe(true);
    }
  });
});
