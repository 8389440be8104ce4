import { existsSync, readFileSync } from "node:fs";
import { allocCandles, type Candles } from "../src/data/candles";

export const DATA_DIR = new URL("../../../../shared/data/", import.meta.url).pathname;

/** Reads one of the shared CSV files (time,open,high,low,close,volume) for tests and benchmarks. */
export function loadSharedCsv(name: string): Candles | null {
  const path = DATA_DIR + name;
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, "utf8").trim().split("\n").slice(1);
  const c = allocCandles(lines.length);
  lines.forEach((line, i) => {
    const [t, o, h, l, cl, v] = line.split(",").map(Number);
    c.time[i] = t!;
    c.open[i] = o!;
    c.high[i] = h!;
    c.low[i] = l!;
    c.close[i] = cl!;
    c.volume[i] = v!;
  });
  return c;
}
