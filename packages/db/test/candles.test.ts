import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CHUNK_CANDLES, openDatabase } from "../src";
import { ramp, tempDb } from "./helpers";

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const market = { exchange: "test", symbol: "BTC/USDT", timeframe: "1m" as const };

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe("candle store", () => {
  it("creates the database with migrations applied, in WAL mode", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    expect(existsSync(join(t.dir, "keyflow.db"))).toBe(true);
    expect(t.db.candles.list()).toEqual([]);
    t.db.close();
    // Reopening applies nothing new and keeps the data.
    const again = openDatabase(t.dir);
    expect(again.candles.list()).toEqual([]);
    again.close();
  });

  it("round-trips candles across chunk boundaries and reads ranges", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const n = CHUNK_CANDLES * 2 + 123;
    const c = ramp(T0 + 17 * MIN, n, MIN);
    const { series, added } = t.db.candles.importCandles(market, "csv", c);
    expect(added).toBe(n);
    expect(series).toMatchObject({ count: n, firstTime: c.time[0], lastTime: c.time[n - 1], source: "csv" });
    const back = t.db.candles.read(series.id);
    expect(back.length).toBe(n);
    expect(Array.from(back.close)).toEqual(Array.from(c.close));
    expect(Array.from(back.time)).toEqual(Array.from(c.time));
    const part = t.db.candles.read(series.id, { from: c.time[100]!, to: c.time[CHUNK_CANDLES + 50]! });
    expect(part.length).toBe(CHUNK_CANDLES - 50);
    expect(part.time[0]).toBe(c.time[100]);
    expect(part.volume[part.length - 1]).toBe(CHUNK_CANDLES + 49);
  });

  it("never duplicates on overlapping inserts; the newer candle wins", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const s = t.db.candles.ensure(market, "exchange");
    expect(t.db.candles.insert(s.id, ramp(T0, 1000, MIN))).toEqual({ added: 1000, replaced: 0 });
    const overlap = ramp(T0 + 500 * MIN, 1000, MIN, 5000);
    expect(t.db.candles.insert(s.id, overlap)).toEqual({ added: 500, replaced: 500 });
    const all = t.db.candles.read(s.id);
    expect(all.length).toBe(1500);
    for (let i = 1; i < all.length; i++) expect(all.time[i]! - all.time[i - 1]!).toBe(MIN);
    expect(all.open[499]).toBe(599);
    expect(all.open[500]).toBe(5000);
    expect(t.db.candles.get(s.id)).toMatchObject({ count: 1500, lastTime: T0 + 1499 * MIN });
  });

  it("fills a gap inside a chunk in time order", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const s = t.db.candles.ensure(market, "exchange");
    t.db.candles.insert(s.id, ramp(T0 + 10 * MIN, 5, MIN));
    t.db.candles.insert(s.id, ramp(T0, 5, MIN));
    expect(Array.from(t.db.candles.read(s.id).time)).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 13, 14].map((i) => T0 + i * MIN));
  });

  it("rejects unsorted input and writes nothing", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const c = ramp(T0, 10, MIN);
    c.time[5] = c.time[3]!;
    expect(() => t.db.candles.importCandles(market, "csv", c)).toThrow(/strictly ascending/);
    expect(t.db.candles.list()).toEqual([]);
  });

  it("deletes a series with its chunks", () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const { series } = t.db.candles.importCandles(market, "csv", ramp(T0, 10, MIN));
    expect(t.db.candles.remove(series.id)).toBe(true);
    expect(t.db.candles.read(series.id).length).toBe(0);
  });
});

describe("candle store speed", () => {
  it("reads a year of 1m candles well under 200 ms", async () => {
    const { generateDemoCandles } = await import("@keyflow/core");
    const t = tempDb();
    cleanup = t.cleanup;
    const c = generateDemoCandles({ seed: 1, timeframe: "1m", start: T0, bars: 525_600 });
    const { series } = t.db.candles.importCandles(market, "demo", c);
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const back = t.db.candles.read(series.id);
      best = Math.min(best, performance.now() - start);
      expect(back.length).toBe(525_600);
    }
    expect(best).toBeLessThan(200);
  }, 60_000);
});
