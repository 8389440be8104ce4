import { describe, expect, it } from "vitest";
import { backtest, compile, getTemplate, Session, sliceCandles, TEMPLATES, type Candles, type FlowGraph } from "../src";
import { handSmaCross } from "../bench/handwritten";
import { vectorisedSmaCross } from "../bench/vectorised";
import { describeWithSharedCsv } from "./describeWithSharedCsv";
import { makeFlow } from "./fixtures";

function compiled(id: string) {
  const flow = getTemplate(id)!.flow;
  const r = compile(flow);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { flow, spec: r.spec, hash: r.hash };
}

function stripTrade(t: { entryTime: number; entryPrice: number; exitTime: number; exitPrice: number; qty: number }) {
  return { entryTime: t.entryTime, entryPrice: t.entryPrice, exitTime: t.exitTime, exitPrice: t.exitPrice, qty: t.qty };
}

describeWithSharedCsv("engine on real candles", ["binance-BTCUSDT-1h.csv", "binance-BTCUSDT-1m.csv"], (btc1h, btc1m) => {
  it.each([
    ["sma-cross", 0],
    ["sma-cross-rsi-filter", 14],
  ] as const)("%s trades exactly like a hand-written loop and a vectorised baseline", (id, rsi) => {
    const { flow, spec } = compiled(id);
    for (const candles of [btc1h, btc1m]) {
      const engine = backtest(spec, candles, flow.settings);
      const hand = handSmaCross(candles, 10, 20, flow.settings.initialCash, flow.settings.feeRate, rsi);
      expect(engine.trades.length).toBeGreaterThan(50);
      expect(engine.trades.map(stripTrade)).toEqual(hand.trades);
      expect(vectorisedSmaCross(candles, 10, 20, flow.settings.initialCash, flow.settings.feeRate, rsi)).toEqual(hand.trades);
      expect(engine.metrics.finalEquity).toBeCloseTo(hand.finalEquity, 6);
    }
  });

  it.each(["sma-cross-rsi-filter", "ema-cross-stops", "bollinger-breakout", "macd-trend"])(
    "%s cannot see the future: cutting or rewriting later candles changes no earlier decision",
    (id) => {
      const { flow, spec } = compiled(id);
      const full = backtest(spec, btc1h, flow.settings);
      for (const cut of [777, 5_000, 16_001]) {
        const prefix = backtest(spec, sliceCandles(btc1h, 0, cut), flow.settings);
        expect(Array.from(prefix.equity)).toEqual(Array.from(full.equity.subarray(0, cut)));
        const lastTime = btc1h.time[cut - 1]!;
        expect(prefix.trades).toEqual(full.trades.filter((t) => t.exitTime <= lastTime));
        // Rewriting the future (a crash after the cut) must not change anything before it either.
        const rewritten = crashAfter(btc1h, cut);
        const other = backtest(spec, rewritten, flow.settings);
        expect(Array.from(other.equity.subarray(0, cut))).toEqual(Array.from(full.equity.subarray(0, cut)));
      }
    },
  );

  // backtest() runs its own generated loop over the columns; a paper bot steps a Session bar by bar.
  // Both must trade alike, with every kind of order and exit the broker knows.
  const orderKinds: [string, FlowGraph][] = [
    ...TEMPLATES.map((t) => [t.id, t.flow] as [string, FlowGraph]),
    [
      "limit entries filled on a touch, with a stop-loss and a trailing stop",
      makeFlow(
        [
          ["close", "price", { field: "close" }],
          ["rsi", "rsi", { period: 14 }],
          ["up", "crossAbove", { value: 35 }],
          ["buy", "limitBuy", { offsetPct: 0.3, validBars: 4, fill: "touch", sizeMode: "percentEquity", size: 100 }],
          ["sl", "stopLoss", { pct: 2 }],
          ["trail", "trailingStop", { pct: 3 }],
          ["down", "crossBelow", { value: 65 }],
          ["sell", "sell"],
        ],
        [
          ["close", "value", "rsi", "source"],
          ["rsi", "value", "up", "a"],
          ["rsi", "value", "down", "a"],
          ["up", "signal", "buy", "when"],
          ["buy", "order", "sl", "order"],
          ["buy", "order", "trail", "order"],
          ["down", "signal", "sell", "when"],
        ],
        { feeRate: 0.001, slippage: 0.0005 },
      ),
    ],
    [
      "two entry rules (market with a target, limit through the price) and two exits",
      makeFlow(
        [
          ["close", "price", { field: "close" }],
          ["rsi", "rsi", { period: 7 }],
          ["sma", "sma", { period: 50 }],
          ["oversold", "crossAbove", { value: 30 }],
          ["trend", "crossAbove", {}],
          ["market", "buy", { sizeMode: "quote", size: 4_000 }],
          ["tp", "takeProfit", { pct: 1.5 }],
          ["limit", "limitBuy", { offsetPct: 0.5, validBars: 2, sizeMode: "percentEquity", size: 50 }],
          ["sl", "stopLoss", { pct: 1 }],
          ["overbought", "crossBelow", { value: 70 }],
          ["under", "crossBelow", {}],
          ["sell1", "sell"],
          ["sell2", "sell"],
        ],
        [
          ["close", "value", "rsi", "source"],
          ["close", "value", "sma", "source"],
          ["rsi", "value", "oversold", "a"],
          ["close", "value", "trend", "a"],
          ["sma", "value", "trend", "b"],
          ["oversold", "signal", "market", "when"],
          ["market", "order", "tp", "order"],
          ["trend", "signal", "limit", "when"],
          ["limit", "order", "sl", "order"],
          ["rsi", "value", "overbought", "a"],
          ["close", "value", "under", "a"],
          ["sma", "value", "under", "b"],
          ["overbought", "signal", "sell1", "when"],
          ["under", "signal", "sell2", "when"],
        ],
        { feeRate: 0.001 },
      ),
    ],
  ];
  it.each(orderKinds)("%s: stepping a Session bar by bar trades exactly like backtest()", (_name, flow) => {
    const r = compile(flow);
    expect(r.ok, JSON.stringify(!r.ok && r.errors)).toBe(true);
    if (!r.ok) return;
    const result = backtest(r.spec, btc1h, flow.settings);
    const session = new Session(r.spec, flow.settings);
    const equity = new Float64Array(btc1h.length);
    for (let i = 0; i < btc1h.length; i++) {
      session.step(btc1h.time[i]!, btc1h.open[i]!, btc1h.high[i]!, btc1h.low[i]!, btc1h.close[i]!, btc1h.volume[i]!);
      equity[i] = session.broker.cash + session.broker.qty * btc1h.close[i]!;
    }
    expect(result.trades.length).toBeGreaterThan(20);
    expect(session.broker.trades).toEqual(result.trades);
    expect(equity).toEqual(result.equity);
  });

  it("the stepped flows above meet every exit reason", () => {
    const reasons = new Set<string>();
    for (const [, flow] of orderKinds) {
      const r = compile(flow);
      if (r.ok) for (const t of backtest(r.spec, btc1h, flow.settings).trades) reasons.add(t.exitReason);
    }
    expect([...reasons].sort()).toEqual(["signal", "stopLoss", "takeProfit", "trailingStop"]);
  });

  it("is deterministic: same spec and candles give identical output", () => {
    const { flow, spec } = compiled("ema-cross-stops");
    const a = backtest(spec, btc1h, flow.settings);
    const b = backtest(spec, btc1h, flow.settings);
    expect(b.metrics).toEqual(a.metrics);
    expect(b.trades).toEqual(a.trades);
    expect(a.trades.some((t) => t.exitReason === "stopLoss")).toBe(true);
    expect(a.trades.some((t) => t.exitReason === "takeProfit")).toBe(true);
  });

  it("records indicator series for the chart without changing the trades", () => {
    const { flow, spec } = compiled("sma-cross");
    const plain = backtest(spec, btc1h, flow.settings);
    const rec = backtest(spec, btc1h, flow.settings, { record: true });
    expect(rec.trades).toEqual(plain.trades);
    expect(rec.series).toHaveLength(2);
    const sma10 = rec.series.find((s) => spec.nodes[s.node]!.params.period === 10)!;
    expect(Number.isNaN(sma10.values[8]!)).toBe(true);
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += btc1h.close[i]!;
    expect(sma10.values[9]).toBeCloseTo(sum / 10, 9);
  });

  it("reports progress up to the total", () => {
    const { flow, spec } = compiled("sma-cross");
    const seen: number[] = [];
    backtest(spec, btc1h, flow.settings, { progressEvery: 5_000, onProgress: (done, total) => seen.push(done / total) });
    expect(seen.length).toBe(Math.ceil(btc1h.length / 5_000));
    expect(seen.at(-1)).toBe(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});

function crashAfter(c: Candles, cut: number): Candles {
  const copy = {
    length: c.length,
    time: c.time,
    open: c.open.slice(),
    high: c.high.slice(),
    low: c.low.slice(),
    close: c.close.slice(),
    volume: c.volume,
  };
  for (let i = cut; i < c.length; i++) {
    const f = 0.5 + 0.4 * Math.sin(i);
    copy.open[i] = c.open[i]! * f;
    copy.high[i] = c.high[i]! * f;
    copy.low[i] = c.low[i]! * f;
    copy.close[i] = c.close[i]! * f;
  }
  return copy;
}

describe("templates", () => {
  it("all compile without errors or warnings", async () => {
    const { TEMPLATES } = await import("../src");
    expect(TEMPLATES.length).toBeGreaterThanOrEqual(5);
    for (const t of TEMPLATES) {
      const r = compile(t.flow);
      expect(r.ok, `${t.id}: ${JSON.stringify(r)}`).toBe(true);
      expect(r.warnings, t.id).toEqual([]);
      expect(t.flow.settings).toMatchObject({ initialCash: 10_000, feeRate: 0.001, slippage: 0 });
    }
  });

  it("sma-cross buys on the SMA(10)/SMA(20) cross", () => {
    const flow: FlowGraph = getTemplate("sma-cross")!.flow;
    const kinds = flow.nodes.map((n) => `${n.kind}:${JSON.stringify(n.params)}`);
    expect(kinds).toContain('sma:{"period":10}');
    expect(kinds).toContain('sma:{"period":20}');
  });
});
