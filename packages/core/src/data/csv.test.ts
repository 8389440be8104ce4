import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedDataFile } from "../../test/sharedData";
import { parseCandlesCsv, sniffCandlesCsv } from "./csv";

function errorsOf(text: string) {
  const r = parseCandlesCsv(text);
  if (r.ok) throw new Error("expected errors");
  return r.errors;
}

describe("parseCandlesCsv", () => {
  it("reads columns by name in any order and case, with CRLF and a BOM", () => {
    const r = parseCandlesCsv("\uFEFFVolume,Close,Time,Open,High,Low\r\n5,2,1700000000000,1,3,0.5\r\n6,2.5,1700000060000,2,2.75,1.5\r\n\r\n");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.candles.length).toBe(2);
    expect([...r.candles.time]).toEqual([1700000000000, 1700000060000]);
    expect([...r.candles.open]).toEqual([1, 2]);
    expect([...r.candles.high]).toEqual([3, 2.75]);
    expect([...r.candles.low]).toEqual([0.5, 1.5]);
    expect([...r.candles.close]).toEqual([2, 2.5]);
    expect([...r.candles.volume]).toEqual([5, 6]);
  });

  it("reads unix seconds and ISO dates as unix ms UTC", () => {
    const r = parseCandlesCsv(
      "time,open,high,low,close,volume\n1700000000,1,1,1,1,0\n2023-11-14T22:14:20Z,1,1,1,1,0\n2023-11-14 22:15:20,1,1,1,1,0\n2023-11-15,1,1,1,1,0\n2023-11-15T02:00:00+01:00,1,1,1,1,0\n",
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.candles.time]).toEqual([
      1700000000000,
      Date.UTC(2023, 10, 14, 22, 14, 20),
      Date.UTC(2023, 10, 14, 22, 15, 20),
      Date.UTC(2023, 10, 15),
      Date.UTC(2023, 10, 15, 1),
    ]);
  });

  it("parses numbers exactly as Number() does", () => {
    const nums = ["0.1", "123456.789", "1e-3", "42", "-0.5", "0.30000000000000004", "65432.10000001", "1.5E3"];
    const body = nums.map((x, i) => `${i + 1},${x},${x},${x},${x},1`).join("\n");
    const r = parseCandlesCsv(`time,open,high,low,close,volume\n${body}`.replace(/,-0.5,-0.5,-0.5,-0.5,/, ",1,1,1,1,"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.candles.open[0]).toBe(0.1);
    expect(r.candles.open[1]).toBe(123456.789);
    expect(r.candles.open[2]).toBe(0.001);
    expect(r.candles.open[5]).toBe(0.30000000000000004);
    expect(r.candles.open[6]).toBe(65432.10000001);
    expect(r.candles.open[7]).toBe(1500);
  });

  it("says which header columns are missing", () => {
    const [e] = errorsOf("time,open,close\n1,1,1\n");
    expect(e!.line).toBe(1);
    expect(e!.message).toMatch(/missing the columns high, low, volume/);
  });

  it("names the line of a non-numeric value and what was expected", () => {
    const errors = errorsOf("time,open,high,low,close,volume\n1700000000000,1,2,0.5,1,1\n1700000060000,abc,2,0.5,1,1\n");
    expect(errors).toEqual([{ line: 3, message: expect.stringMatching(/open is "abc", expected a number/) }]);
  });

  it("names a bad time", () => {
    const errors = errorsOf("time,open,high,low,close,volume\nyesterday,1,2,0.5,1,1\n");
    expect(errors[0]!.line).toBe(2);
    expect(errors[0]!.message).toMatch(/time is "yesterday", expected a time/);
  });

  it("rejects out-of-order and duplicate times, naming both lines", () => {
    const errors = errorsOf(
      "time,open,high,low,close,volume\n1700000120000,1,2,0.5,1,1\n1700000060000,1,2,0.5,1,1\n1700000180000,1,2,0.5,1,1\n1700000180000,1,2,0.5,1,1\n",
    );
    expect(errors.map((e) => e.line)).toEqual([3, 5]);
    expect(errors[0]!.message).toMatch(/earlier than .* on line 2; .*Sort the file by time/);
    expect(errors[1]!.message).toMatch(/Duplicate time .*line 4/);
  });

  it("rejects high below low, open/close outside the range and short lines", () => {
    const errors = errorsOf(
      "time,open,high,low,close,volume\n1,1,0.5,2,1,1\n2,3,2,0.5,1,1\n3,1,2\n4,1,2,0.5,1,-1\n",
    );
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(errors[0]!.message).toMatch(/high \(0.5\) is below low \(2\)/);
    expect(errors[1]!.message).toMatch(/must lie between low/);
    expect(errors[2]!.message).toMatch(/has 3 values but the header has 6 columns/);
    expect(errors[3]!.message).toMatch(/volume is -1/);
  });

  it("stops after 20 errors", () => {
    const body = Array.from({ length: 100 }, (_, i) => `${i + 1},x,1,1,1,1`).join("\n");
    const errors = errorsOf(`time,open,high,low,close,volume\n${body}\n`);
    expect(errors.length).toBe(21);
    expect(errors[20]!.message).toMatch(/Stopped after 20 errors/);
  });

  it("explains an empty file and a header without rows", () => {
    expect(errorsOf("")[0]!.message).toMatch(/empty/);
    expect(errorsOf("time,open,high,low,close,volume\n")[0]!.message).toMatch(/no candles/);
  });

  it.each(["binance-BTCUSDT-1h.csv", "binance-ETHUSDT-1h.csv", "binance-BTCUSDT-1m.csv", "GOOG-1d.csv"])(
    "reads the real data file %s",
    (name) => {
      const text = readFileSync(sharedDataFile(name), "utf8");
      const r = parseCandlesCsv(text);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const lines = text.trim().split("\n");
      expect(r.candles.length).toBe(lines.length - 1);
      const last = lines[lines.length - 1]!.split(",").map(Number);
      const i = r.candles.length - 1;
      expect([r.candles.time[i], r.candles.open[i], r.candles.high[i], r.candles.low[i], r.candles.close[i], r.candles.volume[i]]).toEqual(last);
    },
  );

  // Its speed is not asserted here (shared, noisy machines): this checks a file of that size parses whole.
  it("parses 1 million rows, every one of them, the last exactly", () => {
    const rows: string[] = ["time,open,high,low,close,volume"];
    let t = 1_600_000_000_000;
    let p = 30000.5;
    for (let i = 0; i < 1_000_000; i++) {
      const o = p;
      p = Math.round((p + ((i * 7919) % 200) - 99.5) * 100) / 100;
      const h = Math.max(o, p) + 12.25;
      const l = Math.min(o, p) - 10.75;
      rows.push(`${t},${o},${h.toFixed(2)},${l.toFixed(2)},${p},${(i % 1000) / 7}`);
      t += 60_000;
    }
    const r = parseCandlesCsv(rows.join("\n"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.candles.length).toBe(1_000_000);
    const last = rows[rows.length - 1]!.split(",").map(Number);
    const i = r.candles.length - 1;
    expect([r.candles.time[i], r.candles.open[i], r.candles.high[i], r.candles.low[i], r.candles.close[i], r.candles.volume[i]]).toEqual(last);
  }, 60_000);
});

describe("sniffCandlesCsv", () => {
  it("finds the columns in any order and tells the time unit from the first row", () => {
    const s = sniffCandlesCsv("Volume,Timestamp,open,high,low,close\n5,1700000000,1,2,0.5,1.5\n6,1700003600,1,2,0.5,1.5\n");
    expect(s.columns).toEqual({ time: 1, open: 2, high: 3, low: 4, close: 5, volume: 0 });
    expect(s.timeUnit).toBe("s");
    expect(s.rows).toEqual([
      ["5", "1700000000", "1", "2", "0.5", "1.5"],
      ["6", "1700003600", "1", "2", "0.5", "1.5"],
    ]);
    expect(sniffCandlesCsv("time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,5").timeUnit).toBe("ms");
    expect(sniffCandlesCsv("date,open,high,low,close,volume\n2024-01-31T00:00:00Z,1,2,0.5,1.5,5").timeUnit).toBe("iso");
  });

  it("reports a missing column and an unreadable time as such", () => {
    const s = sniffCandlesCsv("time,open,close\nsoon,1,2");
    expect(s.columns.high).toBe(-1);
    expect(s.timeUnit).toBeNull();
  });
});
