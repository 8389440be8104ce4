// The catalogue wires each indicator block to its class: what the compiled program records for
// every output port equals the class fed the same candles directly.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { backtest, BLOCKS, compile, generateDemoCandles, getBlock, Session } from "../src";
import {
  Ema, Rsi, Sma,
  Cci, Cmf, Dema, Donchian, Hma, Ichimoku, Kama, Keltner, LinRegSlope, Mfi, PercentRank, Sar, StdDev, StochRsi, SuperTrend, Tema,
  WillR,
} from "../src/indicators";
import type { Candles } from "../src/data/candles";
import { flatCandles, makeFlow } from "./fixtures";
import { describeWithSharedCsv } from "./describeWithSharedCsv";

type Bar = { h: number; l: number; c: number; v: number };
interface Case {
  kind: string;
  /** Whether the block has a series input (fed the close here). */
  source?: true;
  params: Record<string, unknown>;
  /** Feeds one bar and returns the value of every output port, in port order. */
  run: () => (b: Bar) => number[];
}

const cases: Case[] = [
  { kind: "dema", source: true, params: { period: 9 }, run: () => { const x = new Dema(9); return (b) => [x.update(b.c)]; } },
  { kind: "tema", source: true, params: { period: 9 }, run: () => { const x = new Tema(9); return (b) => [x.update(b.c)]; } },
  { kind: "kama", source: true, params: { period: 10 }, run: () => { const x = new Kama(10); return (b) => [x.update(b.c)]; } },
  { kind: "hma", source: true, params: { period: 16 }, run: () => { const x = new Hma(16); return (b) => [x.update(b.c)]; } },
  { kind: "stdDev", source: true, params: { period: 20 }, run: () => { const x = new StdDev(20); return (b) => [x.update(b.c)]; } },
  { kind: "linRegSlope", source: true, params: { period: 14 }, run: () => { const x = new LinRegSlope(14); return (b) => [x.update(b.c)]; } },
  { kind: "percentRank", source: true, params: { period: 50 }, run: () => { const x = new PercentRank(50); return (b) => [x.update(b.c)]; } },
  { kind: "stochRsi", source: true, params: { rsiPeriod: 14, kPeriod: 14, dPeriod: 3 }, run: () => { const x = new StochRsi(14, 14, 3); return (b) => (x.update(b.c), [x.k, x.d]); } },
  { kind: "cci", params: { period: 20 }, run: () => { const x = new Cci(20); return (b) => [x.update(b.h, b.l, b.c)]; } },
  { kind: "willr", params: { period: 14 }, run: () => { const x = new WillR(14); return (b) => [x.update(b.h, b.l, b.c)]; } },
  { kind: "mfi", params: { period: 14 }, run: () => { const x = new Mfi(14); return (b) => [x.update(b.h, b.l, b.c, b.v)]; } },
  { kind: "cmf", params: { period: 20 }, run: () => { const x = new Cmf(20); return (b) => [x.update(b.h, b.l, b.c, b.v)]; } },
  { kind: "keltner", params: { period: 20, atrPeriod: 10, mult: 2 }, run: () => { const x = new Keltner(20, 10, 2); return (b) => (x.update(b.h, b.l, b.c), [x.upper, x.middle, x.lower]); } },
  { kind: "donchian", params: { period: 20 }, run: () => { const x = new Donchian(20); return (b) => (x.update(b.h, b.l), [x.upper, x.middle, x.lower]); } },
  { kind: "sar", params: { acceleration: 0.02, maximum: 0.2 }, run: () => { const x = new Sar(0.02, 0.2); return (b) => [x.update(b.h, b.l), x.long]; } },
  { kind: "superTrend", params: { atrPeriod: 10, mult: 3 }, run: () => { const x = new SuperTrend(10, 3); return (b) => [x.update(b.h, b.l, b.c), x.up]; } },
  {
    kind: "ichimoku",
    params: { tenkanPeriod: 9, kijunPeriod: 26, spanBPeriod: 52, displacement: 26 },
    run: () => { const x = new Ichimoku(9, 26, 52, 26); return (b) => (x.update(b.h, b.l), [x.tenkan, x.kijun, x.spanA, x.spanB, x.cloudA, x.cloudB]); },
  },
];

function direct(cse: Case, c: Candles): Float64Array[] {
  const step = cse.run();
  const cols: Float64Array[] = [];
  for (let i = 0; i < c.length; i++) {
    const out = step({ h: c.high[i]!, l: c.low[i]!, c: c.close[i]!, v: c.volume[i]! });
    out.forEach((v, port) => {
      (cols[port] ??= new Float64Array(c.length))[i] = v;
    });
  }
  return cols;
}

function head(c: Candles, n: number): Candles {
  const cut = (a: Float64Array) => a.subarray(0, n);
  return { length: n, time: cut(c.time), open: cut(c.open), high: cut(c.high), low: cut(c.low), close: cut(c.close), volume: cut(c.volume) };
}

describeWithSharedCsv("indicator blocks compute what their classes compute", ["binance-BTCUSDT-1h.csv"], (candles) => {
  const c = head(candles, 3000);
  it.each(cases.map((x) => [x.kind, x] as const))("%s", (_kind, cse) => {
    // The block feeds a condition that never holds, so the flow is complete but never trades.
    const edges: [string, string, string, string][] = [["x", "value", "never", "a"], ["never", "signal", "buy", "when"]];
    const block = getBlock(cse.kind)!;
    edges[0]![1] = block.outputs[0]!.name;
    if (cse.source) edges.push(["close", "value", "x", "source"]);
    const flow = makeFlow([["close", "price"], ["x", cse.kind, cse.params], ["never", "greaterThan", { value: 1e12 }], ["buy", "buy"]], edges);
    const r = compile(flow);
    expect(r.ok, JSON.stringify(!r.ok && r.errors)).toBe(true);
    if (!r.ok) return;
    const res = backtest(r.spec, c, { initialCash: 1000, feeRate: 0, slippage: 0 }, { record: true });
    const node = r.nodeIds.indexOf("x");
    const got = res.series.filter((s) => s.node === node);
    const want = direct(cse, c);
    expect(got.map((s) => s.port)).toEqual(want.map((_, p) => p));
    for (const s of got) {
      expect(Array.from(s.values)).toEqual(Array.from(want[s.port]!));
      expect(s.values.some(Number.isFinite), `${cse.kind} port ${s.port} never warms up`).toBe(true);
    }
  });
});

// SMA, EMA and RSI blocks run their update written as code (indicators/code.ts), not the class:
// the two must agree bit for bit, fed prices or another indicator's warming-up (NaN) output, in the
// backtest's loop and bar by bar through a Session.
describeWithSharedCsv("SMA, EMA and RSI as code compute exactly what their classes compute", ["binance-BTCUSDT-1h.csv"], (btc) => {
  const classes = { sma: (n: number) => new Sma(n), ema: (n: number) => new Ema(n), rsi: (n: number) => new Rsi(n) };
  // Cent prices: the sliding sums meet exact ties and re-sum often.
  const cents = generateDemoCandles({ seed: 42, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: 20_000 });
  const cases = (["sma", "ema", "rsi"] as const).flatMap((kind) => [2, 7, 20, 50].map((period) => [kind, period] as const));
  it.each(cases)("%s(%i)", (kind, period) => {
    const flow = makeFlow(
      [["close", "price"], ["x", kind, { period }], ["inner", "rsi", { period: 9 }], ["chained", kind, { period }], ["never", "greaterThan", { value: 1e12 }], ["buy", "buy"]],
      [
        ["close", "value", "x", "source"],
        ["close", "value", "inner", "source"],
        ["inner", "value", "chained", "source"],
        ["x", "value", "never", "a"],
        ["chained", "value", "never", "b"],
        ["never", "signal", "buy", "when"],
      ],
    );
    const r = compile(flow);
    expect(r.ok, JSON.stringify(!r.ok && r.errors)).toBe(true);
    if (!r.ok) return;
    for (const c of [head(btc, 5000), cents]) {
      const direct = classes[kind](period);
      const inner = new Rsi(9);
      const chained = classes[kind](period);
      const want = { x: new Float64Array(c.length), chained: new Float64Array(c.length) };
      for (let i = 0; i < c.length; i++) {
        want.x[i] = direct.update(c.close[i]!);
        want.chained[i] = chained.update(inner.update(c.close[i]!));
      }
      const res = backtest(r.spec, c, { initialCash: 1000, feeRate: 0, slippage: 0 }, { record: true });
      const session = new Session(r.spec, { initialCash: 1000, feeRate: 0, slippage: 0 }, { record: true });
      for (const id of ["x", "chained"] as const) {
        const node = r.nodeIds.indexOf(id);
        const got = res.series.find((s) => s.node === node)!.values;
        expect(got).toEqual(want[id]);
        expect(got.some(Number.isFinite)).toBe(true);
      }
      const slots = (["x", "chained"] as const).map((id) => session.strategy.program.recorded.find((rec) => rec.node === r.nodeIds.indexOf(id))!.slot);
      const stepped = slots.map(() => new Float64Array(c.length));
      for (let i = 0; i < c.length; i++) {
        session.step(c.time[i]!, c.open[i]!, c.high[i]!, c.low[i]!, c.close[i]!, c.volume[i]!);
        slots.forEach((slot, k) => (stepped[k]![i] = session.strategy.value(slot)));
      }
      expect(stepped[0]).toEqual(want.x);
      expect(stepped[1]).toEqual(want.chained);
    }
  });
});

describe("every compute block", () => {
  // The param schemas are the only guard in front of the indicator constructors, which throw on
  // a period they cannot use: whatever a form lets through must compile into a program that runs.
  const compute = BLOCKS.filter((b) => b.role === "compute" && b.outputs.length > 0);
  for (const bound of ["minimum", "maximum"] as const) {
    it.each(compute.map((b) => [b.kind, b] as const))(`runs with every number param at its ${bound}: %s`, (_kind, block) => {
      const json = z.toJSONSchema(block.params, { unrepresentable: "any" }) as { properties?: Record<string, { type?: string; minimum?: number; maximum?: number }> };
      const params: Record<string, unknown> = {};
      for (const [key, p] of Object.entries(json.properties ?? {})) {
        if ((p.type === "number" || p.type === "integer") && p[bound] !== undefined) params[key] = p[bound];
      }
      const flow = makeFlow(
        [["close", "price"], ["x", block.kind, params], ["never", "greaterThan", { value: 1e12 }], ["buy", "buy"]],
        [
          ...block.inputs.filter((i) => i.type === "series").map((i) => ["close", "value", "x", i.name] as [string, string, string, string]),
          ["x", block.outputs[0]!.name, "never", "a"],
          ["never", "signal", "buy", "when"],
        ],
      );
      if (block.outputs[0]!.type === "signal") return; // none of the compute blocks leads with a signal today
      const r = compile(flow);
      expect(r.ok, JSON.stringify(!r.ok && r.errors)).toBe(true);
      if (!r.ok) return;
      expect(() => backtest(r.spec, flatCandles([1, 2, 3, 2, 1]), { initialCash: 1000, feeRate: 0, slippage: 0 })).not.toThrow();
    });
  }
});
