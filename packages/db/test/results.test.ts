import BetterSqlite3 from "better-sqlite3";
import { getTemplate, unpackResults, type Metrics, type Trade } from "@keyflow/core";
import { afterEach, describe, expect, it } from "vitest";
import { decodeResults, encodeResults, type BacktestChart } from "../src";
import { ramp, tempDb } from "./helpers";

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** A trade whose money follows from price, quantity and the fee rate, computed as the broker does. */
function trade(i: number, feeRate: number, exitReason: Trade["exitReason"] = "signal"): Trade {
  const entryPrice = 20_000 + i * 13.37;
  const exitPrice = entryPrice * (1 + Math.sin(i) / 50);
  const qty = 10_000 / (entryPrice * (1 + feeRate)) / (1 + i / 7);
  const entryFee = qty * entryPrice * feeRate;
  const cost = qty * entryPrice + entryFee;
  const value = qty * exitPrice;
  const exitFee = value * feeRate;
  const pnl = value - exitFee - cost;
  return { side: "long", entryTime: T0 + i * 37 * MIN, entryPrice, exitTime: T0 + (i * 37 + 5 + (i % 9)) * MIN, exitPrice, qty, pnl, fees: entryFee + exitFee, returnPct: (pnl / cost) * 100, exitReason };
}

function chart(n: number): BacktestChart {
  const time = Array.from({ length: n }, (_, i) => T0 + i * 5 * MIN);
  const wave = (k: number) => time.map((_, i) => 100 + Math.sin(i / k) * 7.123456789);
  return {
    candles: { bucketMs: 5 * MIN, time, open: time.map((_, i) => 100 + i * 0.01), high: wave(3), low: wave(4), close: wave(5), volume: time.map((_, i) => i * 0.0001) },
    equity: { time, value: wave(6) },
    drawdown: { time, value: time.map((_, i) => (i % 3 === 0 ? -0 : -i / 10)) },
    indicators: [
      { nodeId: "rsi", kind: "rsi", port: "value", pane: "pane", time, value: time.map((_, i) => (i < 14 ? NaN : 50 + Math.cos(i))) },
      { nodeId: "odd", kind: "formula", port: "value", pane: "overlay", time: time.slice(0, 3), value: [Infinity, -Infinity, Number.MIN_VALUE] },
    ],
  };
}

describe("stored results codec", () => {
  it("gives back every trade and chart value bit for bit (NaN, -0, ±Infinity, money not following the fee rate)", () => {
    const feeRate = 0.001;
    const trades = Array.from({ length: 500 }, (_, i) => trade(i, feeRate, (["signal", "stopLoss", "takeProfit", "trailingStop"] as const)[i % 4]));
    // A trade whose money was not computed from the fee rate keeps its own values.
    trades[7] = { ...trades[7]!, pnl: 12.3456789, fees: 0.1, returnPct: -0 };
    const c = chart(1200);
    const back = decodeResults(encodeResults({ trades, chart: c }, feeRate));
    expect(back.trades).toEqual(trades);
    expect(Object.is(back.trades[7]!.returnPct, -0)).toBe(true);
    expect(back.chart).toEqual(c);
    expect(Object.is(back.chart.drawdown.value[0], -0)).toBe(true);
    expect(back.chart.indicators[0]!.value.slice(0, 14).every(Number.isNaN)).toBe(true);
  });

  it("round-trips a run with no trades and empty chart lines", () => {
    const empty: BacktestChart = { candles: { bucketMs: MIN, time: [], open: [], high: [], low: [], close: [], volume: [] }, equity: { time: [], value: [] }, drawdown: { time: [], value: [] }, indicators: [] };
    expect(decodeResults(encodeResults({ trades: [], chart: empty }, 0))).toEqual({ trades: [], chart: empty });
  });

  it("refuses a blob of another codec version instead of misreading it", () => {
    const blob = encodeResults({ trades: [trade(1, 0)], chart: chart(10) }, 0);
    blob[0] = 99;
    expect(() => decodeResults(blob)).toThrow(/version 99/);
  });
});

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe("stored runs", () => {
  const flow = structuredClone(getTemplate("sma-cross")!.flow);
  const metrics = { trades: 3 } as unknown as Metrics;
  const newRun = (id: string) => ({ id, strategyId: null, strategyVersion: null, flow, specHash: "h", market: { exchange: "demo", symbol: "DEMO/USDT", timeframe: "1m" as const }, fromTime: T0, toTime: T0 + 1000 * MIN, settings: flow.settings, bars: 1000 });

  it("stores trades, chart and an open position, and lists the bytes each run takes", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const trades = [trade(0, flow.settings.feeRate), trade(1, flow.settings.feeRate, "stopLoss")];
    const openPosition = { side: "long" as const, entryTime: T0 + 900 * MIN, entryPrice: 101.5, qty: 3.3, markTime: T0 + 999 * MIN, markPrice: 102, unrealizedPnl: 1.2, fees: 0.3, returnPct: 0.4 };
    t.db.backtests.create(newRun("a"));
    t.db.backtests.finish("a", { metrics, trades, openPosition, chart: chart(50), bars: 1000, durationMs: 12 });
    const run = t.db.backtests.get("a")!;
    expect(run.trades).toEqual(trades);
    expect(run.chart).toEqual(chart(50));
    expect(run.openPosition).toEqual(openPosition);
    const [summary] = t.db.backtests.listRecent();
    expect(summary!.bytes).toBe(run.bytes);
    expect(run.bytes).toBeGreaterThan(JSON.stringify(flow).length);
    expect(t.db.backtests.storage()).toEqual({ runs: 1, bytes: run.bytes });
    expect(t.db.usage()).toMatchObject({ runs: 1, runBytes: run.bytes, candleBytes: 0 });
    expect(t.db.usage().fileBytes).toBeGreaterThan(run.bytes);
  });

  it("still opens a run stored before the columnar results (trades and chart as JSON)", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    t.db.backtests.create(newRun("old"));
    const trades = [trade(0, 0.001), trade(1, 0.001)];
    // JSON has no NaN, Infinity or -0: an old run's chart held what JSON gave back.
    const c = JSON.parse(JSON.stringify({ ...chart(20), indicators: [] })) as BacktestChart;
    // What a previous version wrote: JSON text in the trades and chart columns, no results blob.
    const sqlite = new BetterSqlite3(t.db.path);
    sqlite.prepare("UPDATE backtest_runs SET status = 'done', metrics = ?, trades = ?, chart = ? WHERE id = 'old'").run(JSON.stringify(metrics), JSON.stringify(trades), JSON.stringify(c));
    sqlite.close();
    const run = t.db.backtests.get("old")!;
    expect(run.status).toBe("done");
    expect(run.trades).toEqual(trades);
    expect(run.chart).toEqual(c);
    // What the browser gets of it: the same results, packed as a new run's are.
    expect(unpackResults(t.db.backtests.getPacked("old")!.columns!)).toEqual({ trades, chart: c });
    expect(run.bytes).toBeGreaterThan(JSON.stringify(trades).length + JSON.stringify(c).length);
  });

  it("counts the candles of a range from the chunk index, reading only the chunks the range cuts", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const c = ramp(T0 + 17 * MIN, 20_000, MIN);
    const { series } = t.db.candles.importCandles({ exchange: "test", symbol: "X/Y", timeframe: "1m" }, "csv", c);
    for (const [from, to] of [[undefined, undefined], [c.time[100], c.time[19_000]], [c.time[9000], c.time[9001]], [0, c.time[0]], [c.time[5]! + 1, c.time[16_000]! - 1]] as const) {
      expect(t.db.candles.count(series.id, { from, to })).toBe(t.db.candles.read(series.id, { from, to }).length);
    }
  });
});
