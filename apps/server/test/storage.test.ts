import { rmSync, statSync } from "node:fs";
import { backtest, compile, ENGINE_VERSION, FILL_RULES, generateDemoCandles, getTemplate } from "@keyflow/core";
import { encodeResults, openDatabase } from "@keyflow/db";
import { describe, expect, it } from "vitest";
import { buildChart } from "../src/backtest/chart";
import { tempDir } from "./helpers";

const MINUTE = 60_000;
const YEAR_OF_1M = 525_600;
const KB = 1024;
const MB = 1024 * KB;

describe("stored runs on disk", () => {
  it("200 runs of a year of 1m candles add less than 60 MB to the database (under 300 KB each)", () => {
    // sma-cross trades most often of the templates on 1m data (~14,000 trades a year).
    const flow = structuredClone(getTemplate("sma-cross")!.flow);
    const compiled = compile(flow);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
    const start = Date.UTC(2023, 0, 1);
    const candles = generateDemoCandles({ seed: 7, timeframe: "1m", start, bars: YEAR_OF_1M });
    const r = backtest(compiled.spec, candles, flow.settings, { record: true, timeframeMs: MINUTE, hash: compiled.hash });
    expect(r.trades.length).toBeGreaterThan(10_000);
    const chart = buildChart({ candles, timeframeMs: MINUTE, equity: r.equity, series: r.series, spec: compiled.spec, nodeIds: compiled.nodeIds });
    const results = encodeResults({ trades: r.trades, chart }, flow.settings.feeRate);

    const dir = tempDir();
    const file = `${dir}/keyflow.db`;
    // Closing checkpoints the write-ahead log into the file, so its size is what the data takes.
    openDatabase(dir).close();
    const before = statSync(file).size;
    const db = openDatabase(dir);
    // What a real run pins (the candles' hash, first and last candle, engine, fill rules).
    const pins = { dataHash: "0".repeat(64), dataFirstTime: start, dataLastTime: start + (YEAR_OF_1M - 1) * MINUTE, engineVersion: ENGINE_VERSION, fillRules: FILL_RULES };
    for (let i = 0; i < 200; i++) {
      const id = `run-${i}`;
      db.backtests.create({ id, strategyId: null, strategyVersion: null, flow, specHash: compiled.hash, market: flow.market, fromTime: start, toTime: start + YEAR_OF_1M * MINUTE, settings: flow.settings, bars: YEAR_OF_1M, ...pins });
      db.backtests.finishEncoded(id, { metrics: r.metrics, openPosition: r.openPosition, results, bars: r.bars, durationMs: 1000 });
    }
    const run = db.backtests.get("run-199")!;
    expect(run.trades).toEqual(r.trades);
    expect(run.chart).toEqual(chart);
    expect(run.bytes).toBeLessThan(300 * KB);
    db.close();
    const added = statSync(file).size - before;
    rmSync(dir, { recursive: true, force: true });
    expect(added).toBeLessThan(60 * MB);
  }, 120_000);
});
