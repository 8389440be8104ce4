// Writes the built-in templates' result files (src/templates/results/) from the shared candles.
// Run after a change that alters results (and bump ENGINE_VERSION): the templateResults test fails until then.
import { writeFileSync } from "node:fs";
import { parseCandlesCsv, sliceCandles, TEMPLATES } from "@keyflow/core";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { readFileSync } from "node:fs";
import { BUILT_IN_RESULTS_RANGE, builtInPortfolio, builtInResult } from "../src/templates/builtInResults";

/** The shared Binance 1h candles of a symbol (BTC/USDT → binance-BTCUSDT-1h.csv) in the built-in results' range. */
function sharedCandles(symbol: string) {
  const parsed = parseCandlesCsv(readFileSync(sharedDataFile(`binance-${symbol.replace("/", "")}-1h.csv`), "utf8"));
  if (!parsed.ok) throw new Error("shared candles do not parse");
  const all = parsed.candles;
  let lo = 0;
  while (lo < all.length && all.time[lo]! < BUILT_IN_RESULTS_RANGE.from) lo++;
  let hi = lo;
  while (hi < all.length && all.time[hi]! <= BUILT_IN_RESULTS_RANGE.to) hi++;
  return sliceCandles(all, lo, hi);
}
const candles = sharedCandles("BTC/USDT");
for (const t of TEMPLATES) {
  const bundle = builtInResult(t, candles, BUILT_IN_RESULTS_RANGE.to);
  const file = new URL(`../src/templates/results/${t.id}.result.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(bundle)}\n`);
  process.stdout.write(`${t.id}: ${bundle.trades.length} trades, ${bundle.metrics.totalReturnPct.toFixed(2)} %\n`);
}
for (const t of TEMPLATES) {
  if (!t.flow.portfolio) continue;
  const p = builtInPortfolio(t, sharedCandles);
  writeFileSync(new URL(`../src/templates/results/${t.id}.portfolio.json`, import.meta.url), `${JSON.stringify(p, null, 1)}\n`);
  process.stdout.write(`${t.id} (portfolio): ${p.metrics.trades} trades, ${p.metrics.totalReturnPct.toFixed(2)} %\n`);
}
