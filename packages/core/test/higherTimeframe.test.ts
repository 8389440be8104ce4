import { describe, expect, it } from "vitest";
import { backtest, compile, generateDemoCandles, Session, sliceCandles, specHash, warmupBarsNeeded, type Candles, type FlowGraph, type Timeframe } from "../src";
import { makeFlow } from "./fixtures";

const H4 = 4 * 3_600_000;
const M15 = 900_000;
const START = Date.UTC(2024, 0, 1, 1, 30); // mid-bucket: the first 4h candle (00:00–04:00) is a tail

const candles = generateDemoCandles({ seed: 11, timeframe: "15m", start: START, bars: 4 * 24 * 40 });

/** A 15m flow: buy when the 15m close crosses above the SMA(5) of 4h closes, sell when it crosses below. */
function mtfFlow(timeframe: Timeframe | "flow" = "4h", base: Timeframe = "15m"): FlowGraph {
  const flow = makeFlow(
    [
      ["close", "price", { field: "close" }],
      ["htf", "price", { field: "close", timeframe }],
      ["htfHigh", "price", { field: "high", timeframe }],
      ["sma", "sma", { period: 5 }],
      ["hi", "add", { value: 0 }],
      ["up", "crossAbove", {}],
      ["down", "crossBelow", {}],
      ["buy", "buy", { sizeMode: "percentEquity", size: 100 }],
      ["sell", "sell"],
    ],
    [
      ["htf", "value", "sma", "source"],
      ["close", "value", "up", "a"],
      ["sma", "value", "up", "b"],
      ["close", "value", "down", "a"],
      ["htfHigh", "value", "hi", "a"],
      ["hi", "value", "down", "b"],
      ["up", "signal", "buy", "when"],
      ["down", "signal", "sell", "when"],
    ],
    { feeRate: 0.001 },
  );
  return { ...flow, market: { ...flow.market, timeframe: base } };
}

function compiled(flow: FlowGraph) {
  const r = compile(flow);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}

/** The recorded SMA of 4h closes (the only recorded block) at every 15m bar. */
function smaSeries(c: Candles): Float64Array {
  const { spec } = compiled(mtfFlow());
  const sma = spec.nodes.findIndex((n) => n.kind === "sma");
  return backtest(spec, c, { initialCash: 10_000, feeRate: 0.001, slippage: 0 }, { record: true }).series.find((s) => s.node === sma)!.values;
}

/** 4h candles resampled by hand: bucket open time → close, high, and index of its last 15m bar. */
function handBuckets(c: Candles) {
  const out = new Map<number, { close: number; high: number; last: number; bars: number }>();
  for (let i = 0; i < c.length; i++) {
    const k = Math.floor(c.time[i]! / H4) * H4;
    const b = out.get(k) ?? { close: NaN, high: -Infinity, last: -1, bars: 0 };
    b.close = c.close[i]!;
    b.high = Math.max(b.high, c.high[i]!);
    b.last = i;
    b.bars++;
    out.set(k, b);
  }
  return out;
}

describe("a source on a higher timeframe", () => {
  it("shows the 00:00–04:00 candle on the 15m bar that closes at 04:00, never before", () => {
    const { spec } = compiled(mtfFlow());
    const session = new Session(spec, { initialCash: 10_000, feeRate: 0, slippage: 0 }, { record: true });
    // The 4h high goes through a math block (+0), which a recording program publishes in `v`.
    const hi = spec.nodes.findIndex((n) => n.kind === "add");
    const htfHigh = session.strategy.program.recorded.find((r) => r.node === hi)!.slot;
    const buckets = handBuckets(candles);
    const seen: { high: number }[] = [];
    for (let i = 0; i < candles.length; i++) {
      session.step(candles.time[i]!, candles.open[i]!, candles.high[i]!, candles.low[i]!, candles.close[i]!, candles.volume[i]!);
      seen.push({ high: session.strategy.value(htfHigh) });
    }
    let checked = 0;
    for (let i = 0; i < candles.length; i++) {
      const t = candles.time[i]!;
      const k = Math.floor(t / H4) * H4;
      // The bar closing the bucket shows that bucket; every other bar shows the one before it.
      const visible = t + M15 === k + H4 ? k : k - H4;
      const b = buckets.get(visible);
      const expected = b && visible !== Math.floor(START / H4) * H4 ? b.high : NaN; // the first bucket is a tail: never shown
      expect(seen[i]!.high).toEqual(expected);
      if (!Number.isNaN(expected)) checked++;
    }
    expect(checked).toBeGreaterThan(3000);
    // 2024-01-02 03:45 is the bar that closes at 04:00: it shows 00:00–04:00, the bar before does not.
    const i0345 = (Date.UTC(2024, 0, 2, 3, 45) - START) / M15;
    expect(seen[i0345]!.high).toBe(buckets.get(Date.UTC(2024, 0, 2, 0, 0))!.high);
    expect(seen[i0345 - 1]!.high).toBe(buckets.get(Date.UTC(2024, 0, 1, 20, 0))!.high);
  });

  it("an indicator on a higher-timeframe source averages higher candles (SMA(5) of 4h closes)", () => {
    const sma = smaSeries(candles);
    const buckets = [...handBuckets(candles).entries()].slice(1); // the first (tail) bucket is skipped
    let checked = 0;
    for (let j = 4; j < buckets.length; j++) {
      const [, b] = buckets[j]!;
      if (b.bars < 16) continue; // the data ends inside it: never shown
      const hand = buckets.slice(j - 4, j + 1).reduce((s, [, x]) => s + x.close, 0) / 5;
      expect(sma[b.last]).toBeCloseTo(hand, 9);
      // Held until the next 4h candle closes.
      if (b.last + 1 < candles.length) expect(sma[b.last + 1]).toBe(sma[b.last]);
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it("never looks ahead: poisoning every bar after a cut changes nothing up to the cut (each bar of a day)", () => {
    const clean = smaSeries(candles);
    const { spec } = compiled(mtfFlow());
    const settings = { initialCash: 10_000, feeRate: 0.001, slippage: 0 };
    const cleanRun = backtest(spec, candles, settings);
    // Entries decided up to the cut fill at most one bar later, open or closed by the end.
    const entries = (r: typeof cleanRun, cut: number) =>
      [...r.trades.map((t) => t.entryTime), ...(r.openPosition ? [r.openPosition.entryTime] : [])].filter((t) => t <= candles.time[cut + 1]!);
    const day = (Date.UTC(2024, 0, 20) - START) / M15;
    for (let cut = day; cut < day + 96; cut++) {
      const poisoned: Candles = { ...candles, open: candles.open.slice(), high: candles.high.slice(), low: candles.low.slice(), close: candles.close.slice(), volume: candles.volume.slice() };
      for (let i = cut + 1; i < candles.length; i++) {
        poisoned.open[i] = 1e9;
        poisoned.high[i] = 2e9;
        poisoned.low[i] = 1;
        poisoned.close[i] = i % 2 ? 1 : 1e9;
        poisoned.volume[i] = 1e12;
      }
      const r = backtest(spec, poisoned, settings, { record: true });
      const sma = spec.nodes.findIndex((n) => n.kind === "sma");
      expect(Array.from(r.series.find((x) => x.node === sma)!.values.subarray(0, cut + 1))).toEqual(Array.from(clean.subarray(0, cut + 1)));
      expect(Array.from(r.equity.subarray(0, cut + 1))).toEqual(Array.from(cleanRun.equity.subarray(0, cut + 1)));
      expect(entries(r, cut)).toEqual(entries(cleanRun, cut));
    }
  });

  it("stepping a Session (the paper bot) trades exactly like backtest()", () => {
    const flow = mtfFlow();
    const { spec } = compiled(flow);
    const result = backtest(spec, candles, flow.settings);
    const session = new Session(spec, flow.settings);
    for (let i = 0; i < candles.length; i++) session.step(candles.time[i]!, candles.open[i]!, candles.high[i]!, candles.low[i]!, candles.close[i]!, candles.volume[i]!);
    expect(result.trades.length).toBeGreaterThan(20);
    expect(session.broker.trades).toEqual(result.trades);
  });

  it("a bot that starts mid-bucket sees the same 4h values as the backtest from its first full bucket on", () => {
    const clean = smaSeries(candles);
    const from = 1000 + 7; // not on a 4h boundary
    const late = smaSeries(sliceCandles(candles, from, candles.length));
    // Its first shown bucket is the first that starts after `from`; 5 of them fill the SMA.
    const firstFull = Math.ceil(candles.time[from]! / H4) * H4;
    const warm = (firstFull + 5 * H4 - M15 - candles.time[from]!) / M15;
    expect(Number.isNaN(late[warm - 1]!)).toBe(true);
    // Equal up to the rounding of the SMA's running sum, which started elsewhere.
    late.subarray(warm).forEach((x, k) => expect(x).toBeCloseTo(clean[from + warm + k]!, 6));
  });

  it("the compiler refuses a timeframe that is not higher than the flow's or not a whole multiple of it", () => {
    const low = compile(mtfFlow("15m", "1h"));
    expect(low.ok).toBe(false);
    if (!low.ok) {
      expect(low.errors).toContainEqual(expect.objectContaining({ code: "badParam", nodeId: "htf", param: "timeframe" }));
      expect(low.errors[0]!.message).toMatch(/15m is not higher than the flow's 1h/);
    }
    const odd = compile(mtfFlow("4h", "3m"));
    expect(odd.ok).toBe(true); // 4h = 80 × 3m
    const notMultiple = compile(mtfFlow("1h", "3m"));
    expect(notMultiple.ok).toBe(true); // 1h = 20 × 3m
    const bad = compile(mtfFlow("5m", "3m"));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]!.message).toMatch(/5m is not a whole number of the flow's 3m candles.*15m/);
  });

  it('"flow" reads the flow\'s own candles and compiles to the spec (and hash) of a source without the setting', () => {
    const withFlow = compiled(mtfFlow("flow"));
    const plain = makeFlow(
      mtfFlow("flow").nodes.map((n) => [n.id, n.kind, Object.fromEntries(Object.entries(n.params).filter(([k]) => k !== "timeframe"))]),
      mtfFlow("flow").edges.map((e) => [e.source, e.sourceHandle, e.target, e.targetHandle]),
      { feeRate: 0.001 },
    );
    const without = compiled({ ...plain, market: { ...plain.market, timeframe: "15m" } });
    expect(withFlow.hash).toBe(without.hash);
    expect(withFlow.spec.timeframe).toBeUndefined();
    expect(compiled(mtfFlow("4h")).spec.timeframe).toBe("15m");
    expect(specHash(compiled(mtfFlow("4h")).spec)).not.toBe(withFlow.hash);
  });
});

describe("warmupBarsNeeded", () => {
  it("counts the flow's bars until every indicator has a value, in higher candles when it reads one", () => {
    // SMA(5) of 4h closes in a 15m flow: 5 closed 4h candles (80 bars) plus a 4h candle (16 bars) for a mid-candle start.
    expect(warmupBarsNeeded(compiled(mtfFlow("4h")).spec, "15m")).toBe(5 * 16 + 16);
    expect(warmupBarsNeeded(compiled(mtfFlow("1h")).spec, "15m")).toBe(5 * 4 + 4);
    // On the flow's own candles: the SMA's 5 bars.
    expect(warmupBarsNeeded(compiled(mtfFlow("flow")).spec, "15m")).toBe(5);
    expect(warmupBarsNeeded(compiled(mtfFlow("1w", "1h")).spec, "1h", 500)).toBeNull();
  });
});
