import { readFileSync } from "node:fs";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { afterEach, describe, expect, it } from "vitest";
import { csvOf, testServices, userErrorOf } from "./helpers";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const market = { exchange: "csv", symbol: "BTC/USDT", timeframe: "1h" as const };

let t: ReturnType<typeof testServices> | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("markets router: CSV import", () => {
  it("imports a CSV and lists the series", async () => {
    t = testServices();
    const csv = csvOf([
      [T0, 10, 12, 9, 11, 100],
      [T0 + H, 11, 13, 10, 12, 50],
    ]);
    const r = await t.caller.markets.importCsv({ market, csv });
    expect(r).toMatchObject({ added: 2, replaced: 0, count: 2, firstTime: T0, lastTime: T0 + H });
    expect(await t.caller.markets.list()).toMatchObject([{ ...market, count: 2, source: "csv" }]);
    // Importing an overlapping file replaces, never duplicates.
    const again = await t.caller.markets.importCsv({ market, csv: csvOf([[T0 + H, 11, 14, 10, 13, 60], [T0 + 2 * H, 13, 15, 12, 14, 70]]) });
    expect(again).toMatchObject({ added: 1, replaced: 1, count: 3 });
    const chart = await t.caller.markets.candles({ seriesId: r.seriesId });
    expect(chart.close).toEqual([11, 13, 14]);
    // A chart asks by market in one request; the same candles come back.
    expect((await t.caller.markets.candles({ market, from: T0 + H })).close).toEqual([13, 14]);
    await expect(t.caller.markets.candles({ market: { ...market, symbol: "ETH/USDT" } })).rejects.toThrow(/candle series/);
    await expect(t.caller.markets.candles({})).rejects.toThrow(/seriesId or a market/);
  });

  it("rejects a bad file with the line and what to do, and writes nothing", async () => {
    t = testServices();
    const csv = csvOf([
      [T0, 10, 12, 9, 11, 100],
      [T0 + H, "ten", 13, 10, 12, 50],
      [T0, 11, 13, 10, 12, 50],
    ]);
    const e = await userErrorOf(t.caller.markets.importCsv({ market, csv }));
    expect(e.kind).toBe("csv");
    expect(e.message).toMatch(/^Nothing was imported\. Line 3: open is "ten", expected a number/);
    expect(e.errors).toEqual([
      { line: 3, message: expect.stringContaining("open") },
      { line: 4, message: expect.stringMatching(/Duplicate time .* line 2/) },
    ]);
    expect(await t.caller.markets.list()).toEqual([]);
  });

  it("names missing columns", async () => {
    t = testServices();
    const e = await userErrorOf(t.caller.markets.importCsv({ market, csv: "time,open,close\n1,2,3\n" }));
    expect(e.errors).toEqual([{ line: 1, message: expect.stringMatching(/missing the columns high, low, volume/) }]);
  });

  it("refuses rows closer together than the chosen timeframe", async () => {
    t = testServices();
    const csv = csvOf([
      [T0, 10, 12, 9, 11, 100],
      [T0 + 60_000, 11, 13, 10, 12, 50],
    ]);
    const e = await userErrorOf(t.caller.markets.importCsv({ market, csv }));
    expect(e.message).toMatch(/only 1 minute\(s\) after the previous one, but the timeframe is 1h/);
  });

  it("imports the real BTC 1h file", async () => {
    const csv = readFileSync(sharedDataFile("binance-BTCUSDT-1h.csv"), "utf8");
    t = testServices();
    const r = await t.caller.markets.importCsv({ market: { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" }, csv });
    expect(r).toMatchObject({ added: 23_987, count: 23_987 });
  });
});
