// Writes the built-in templates' result files (src/templates/results/) from the shared candles.
// Run after a change that alters results (and bump ENGINE_VERSION): the templateResults test fails until then.
import { writeFileSync } from "node:fs";
import { parseCandlesCsv, sliceCandles, TEMPLATES } from "@keyflow/core";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { readFileSync } from "node:fs";
import { BUILT_IN_RESULTS_RANGE, builtInResult } from "../src/templates/builtInResults";

const parsed = parseCandlesCsv(readFileSync(sharedDataFile("binance-BTCUSDT-1h.csv"), "utf8"));
if (!parsed.ok) throw new Error("shared candles do not parse");
const all = parsed.candles;
let lo = 0;
while (lo < all.length && all.time[lo]! < BUILT_IN_RESULTS_RANGE.from) lo++;
let hi = lo;
while (hi < all.length && all.time[hi]! <= BUILT_IN_RESULTS_RANGE.to) hi++;
const candles = sliceCandles(all, lo, hi);
for (const t of TEMPLATES) {
  const bundle = builtInResult(t, candles, BUILT_IN_RESULTS_RANGE.to);
  const file = new URL(`../src/templates/results/${t.id}.result.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(bundle)}\n`);
  process.stdout.write(`${t.id}: ${bundle.trades.length} trades, ${bundle.metrics.totalReturnPct.toFixed(2)} %\n`);
}
