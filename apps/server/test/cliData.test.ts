import { rmSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ENGINE_VERSION, FILL_RULES, formatBytes, generateDemoCandles, getTemplate } from "@keyflow/core";
import { openDatabase } from "@keyflow/db";
import { runDataCommand } from "../src/cli/data";
import { tempDir } from "./helpers";

afterEach(() => vi.restoreAllMocks());

describe("keyflow data list", () => {
  it("shows the disk the database takes, and the candles' and backtest runs' share of it", async () => {
    const dir = tempDir();
    vi.stubEnv("KEYFLOW_DATA_DIR", dir);
    const db = openDatabase(dir);
    const flow = structuredClone(getTemplate("sma-cross")!.flow);
    db.backtests.create({ id: "r", strategyId: null, strategyVersion: null, flow, specHash: "h", market: flow.market, fromTime: 0, toTime: 1, settings: flow.settings, bars: 1, dataHash: "0".repeat(64), dataFirstTime: 0, dataLastTime: 0, engineVersion: ENGINE_VERSION, fillRules: FILL_RULES });
    const chart = { candles: { bucketMs: 1, time: [], open: [], high: [], low: [], close: [], volume: [] }, equity: { time: [], value: [] }, drawdown: { time: [], value: [] }, indicators: [] };
    db.backtests.finish("r", { metrics: { trades: 0 } as never, trades: [], openPosition: null, chart, bars: 1, durationMs: 1 });
    const runBytes = db.backtests.get("r")!.bytes;
    db.candles.importCandles({ exchange: "csv", symbol: "X/Y", timeframe: "1h" }, "csv", generateDemoCandles({ seed: 1, timeframe: "1h", start: 0, bars: 1000 }));
    db.close();
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
    try {
      expect(await runDataCommand(["list"])).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    const text = out.join("");
    expect(text).toMatch(/^csv\s+X\/Y\s+1h\s+1000 /m);
    const disk = /^Disk used: ([\d.]+ [KMG]?B) \((.+)\): candles ([\d.]+ [KMG]?B), 1 backtest run ([\d.]+ [KMG]?B)$/m.exec(text);
    expect(disk?.[2]).toBe(`${dir}/keyflow.db`);
    expect(disk?.[4]).toBe(formatBytes(runBytes));
    // The demo market (installed by the command) and the CSV's candles: six 8-byte columns each.
    const again = openDatabase(dir);
    const candles = again.candles.list().reduce((n, c) => n + c.count, 0);
    again.close();
    expect(candles).toBeGreaterThan(1000);
    expect(disk?.[3]).toBe(formatBytes(candles * 48));
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
