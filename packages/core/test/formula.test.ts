import { describe, expect, it } from "vitest";
import { backtest, compile } from "../src";
import { Atr, Sma } from "../src/indicators";
import { candlesFrom, makeFlow } from "./fixtures";
import { describeWithSharedCsv } from "./describeWithSharedCsv";

type Edge = [string, string, string, string];

/** Compiles a flow around one formula node "f" and returns its recorded value and signal. */
function runFormula(expression: string, extraNodes: [string, string, Record<string, unknown>?][], edges: Edge[], candles: Parameters<typeof backtest>[1], params: Record<string, unknown> = {}) {
  const flow = makeFlow(
    [...extraNodes, ["f", "formula", { expression, ...params }], ["buy", "buy"], ["sell", "sell"], ["nt", "not"]],
    [...edges, ["f", "signal", "buy", "when"], ["f", "signal", "nt", "a"], ["nt", "signal", "sell", "when"]],
  );
  const r = compile(flow);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const res = backtest(r.spec, candles, { initialCash: 1000, feeRate: 0, slippage: 0 }, { record: true });
  const node = r.nodeIds.indexOf("f");
  const [value, signal] = [0, 1].map((port) => Array.from(res.series.find((s) => s.node === node && s.port === port)!.values));
  return { value: value!, signal: signal!, trades: res.trades };
}

const rows: [number, number, number, number][] = [
  [10, 12, 9, 11],
  [11, 13, 10, 12],
  [12, 12, 8, 9],
  [9, 10, 7, 10],
  [10, 15, 10, 14],
];

describe("the formula block", () => {
  it("computes an expression over its inputs, with unconnected inputs as their numbers", () => {
    const c = candlesFrom(rows);
    const out = runFormula("(a - b) / c + max(d, 1)^2", [["hi", "price", { field: "high" }], ["lo", "price", { field: "low" }]], [["hi", "value", "f", "a"], ["lo", "value", "f", "b"]], c, { c: 4, d: -3 });
    expect(out.value).toEqual(rows.map(([, h, l]) => (h - l) / 4 + 1));
  });

  it("gives comparisons as a signal with the comparison blocks' tolerance, and trades on it", () => {
    const c = candlesFrom(rows);
    const out = runFormula("a >= 11", [["close", "price"]], [["close", "value", "f", "a"]], c);
    expect(out.value).toEqual([1, 1, 0, 0, 1]);
    expect(out.signal).toEqual([1, 1, 0, 0, 1]);
    // ≥ holds for a value a rounding error below: 0.1 + 0.2 >= 0.3
    const tie = runFormula("0.1 + 0.2 <= 0.3 + a * 0", [["close", "price"]], [["close", "value", "f", "a"]], c);
    expect(tie.value.every((v) => v === 1)).toBe(true);
    expect(out.trades.length).toBeGreaterThan(0);
  });

  it("has no value where it is undefined: division by zero, log of 0, sqrt of a negative", () => {
    const c = candlesFrom(rows);
    for (const e of ["a / (a - a)", "log(a - a)", "sqrt(-a)"]) {
      const out = runFormula(e, [["close", "price"]], [["close", "value", "f", "a"]], c);
      expect(out.value.every(Number.isNaN), e).toBe(true);
      expect(out.signal.every(Number.isNaN), e).toBe(true);
    }
  });

  it("reports a parse error at the node and the field, with the character", () => {
    const r = compile(makeFlow([["close", "price"], ["f", "formula", { expression: "a +* 2" }], ["buy", "buy"]], [["close", "value", "f", "a"], ["f", "signal", "buy", "when"]]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual(expect.objectContaining({ code: "badParam", nodeId: "f", param: "expression", message: expect.stringMatching(/^Formula: Expression — .*character 4/) }));
  });
});

describeWithSharedCsv("the formula block on BTC 1h candles", ["binance-BTCUSDT-1h.csv"], (candles) => {
  it("(close - SMA(20)) / ATR(14) equals the same computed by hand", () => {
    const out = runFormula(
      "(a - b) / c",
      [["close", "price"], ["sma", "sma", { period: 20 }], ["atr", "atr", { period: 14 }]],
      [["close", "value", "sma", "source"], ["close", "value", "f", "a"], ["sma", "value", "f", "b"], ["atr", "value", "f", "c"]],
      candles,
    );
    const sma = new Sma(20);
    const atr = new Atr(14);
    const want = Array.from(candles.close, (x, i) => {
      const m = sma.update(x);
      const a = atr.update(candles.high[i]!, candles.low[i]!, x);
      return a === 0 ? NaN : (x - m) / a;
    });
    expect(out.value).toEqual(want);
    expect(out.value.filter(Number.isFinite).length).toBe(candles.length - 19);
  });
});

describeWithSharedCsv("the z-score reversion template", ["binance-BTCUSDT-1h.csv"], (candles) => {
  it("buys only where (close - SMA 20) / StdDev 20 crossed below -2, and trades on real candles", async () => {
    const { getTemplate } = await import("../src");
    const { StdDev } = await import("../src/indicators");
    const r = compile(getTemplate("zscore-reversion")!.flow);
    expect(r.ok && r.warnings).toEqual([]);
    if (!r.ok) return;
    const res = backtest(r.spec, candles, { initialCash: 10_000, feeRate: 0.001, slippage: 0 });
    expect(res.trades.length).toBeGreaterThan(20);
    const sma = new Sma(20);
    const sd = new StdDev(20);
    const z = Array.from(candles.close, (x) => (x - sma.update(x)) / sd.update(x));
    for (const t of res.trades) {
      // decided on the close of the bar before the fill
      const i = candles.time.indexOf(t.entryTime) - 1;
      expect(z[i]! < -2 && z[i - 1]! >= -2, `entry at bar ${i}: z ${z[i - 1]} → ${z[i]}`).toBe(true);
    }
  });
});

describe("the formula block's warnings", () => {
  it("warns, at the port, about a connected input the formula does not use", () => {
    const flow = makeFlow(
      [["close", "price"], ["open", "price", { field: "open" }], ["f", "formula", { expression: "a > 100" }], ["buy", "buy"]],
      [["close", "value", "f", "a"], ["open", "value", "f", "b"], ["f", "signal", "buy", "when"]],
    );
    const r = compile(flow);
    expect(r.ok).toBe(true);
    expect(r.warnings.filter((w) => w.code === "unusedInput")).toEqual([
      { code: "unusedInput", nodeId: "f", port: "b", message: expect.stringMatching(/does not use input B/) },
    ]);
  });
});
