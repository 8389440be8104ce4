// The gallery's results are real: each built-in template's shipped result verifies on the shared
// Binance candles. A change that alters a result fails here until the files are regenerated
// (`pnpm --filter @keyflow/server template-results`, with ENGINE_VERSION bumped).
import { readFileSync } from "node:fs";
import { parseResultBundle, TEMPLATES, type Candles } from "@keyflow/core";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { openDatabase, type KeyflowDb } from "@keyflow/db";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCsv } from "../src/data/importCsv";
import { verifyBundle } from "../src/results/verifyBundle";
import { BUILT_IN_PORTFOLIOS, BUILT_IN_RESULTS, BUILT_IN_RESULTS_MARKET, BUILT_IN_RESULTS_RANGE, builtInPortfolio } from "../src/templates/builtInResults";
import { shareableFlow } from "../src/templates/templateJson";
import { tempDir } from "./helpers";

let dir: string;
let db: KeyflowDb;
beforeAll(() => {
  dir = tempDir();
  db = openDatabase(dir);
  expect(importCsv(db, BUILT_IN_RESULTS_MARKET, readFileSync(sharedDataFile("binance-BTCUSDT-1h.csv"), "utf8")).ok).toBe(true);
}, 60_000);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("built-in templates' results", () => {
  it.each(TEMPLATES.map((t) => [t.id, t] as const))("%s: its shipped result verifies on the shared candles", async (id, t) => {
    const parsed = parseResultBundle(BUILT_IN_RESULTS[id]);
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    const bundle = parsed.bundle;
    expect(bundle.template).toEqual(shareableFlow({ ...t.flow, market: BUILT_IN_RESULTS_MARKET }));
    expect(bundle.data).toMatchObject({ ...BUILT_IN_RESULTS_MARKET, ...BUILT_IN_RESULTS_RANGE });
    const v = await verifyBundle(db, bundle);
    expect(v.reason).toMatch(/same \d+ trades/);
    expect(v.status).toBe("verified");
  });

  const portfolios = TEMPLATES.filter((t) => t.flow.portfolio);
  it("the portfolio templates ship a portfolio result", () => {
    expect(portfolios.map((t) => t.id)).toEqual(Object.keys(BUILT_IN_PORTFOLIOS));
    expect(portfolios.length).toBeGreaterThan(0);
  });
  it.each(portfolios.map((t) => [t.id, t] as const))("%s: its shipped portfolio result is what the engine gives on the shared candles of its markets", (id, t) => {
    const candles = (symbol: string): Candles => {
      const series = db.candles.find({ ...BUILT_IN_RESULTS_MARKET, symbol });
      if (!series) importShared(symbol);
      return db.candles.read(db.candles.find({ ...BUILT_IN_RESULTS_MARKET, symbol })!.id, { from: BUILT_IN_RESULTS_RANGE.from, to: BUILT_IN_RESULTS_RANGE.to + 1 });
    };
    const fresh = JSON.parse(JSON.stringify(builtInPortfolio(t, candles))) as unknown;
    expect(fresh).toEqual(BUILT_IN_PORTFOLIOS[id]);
    const shipped = BUILT_IN_PORTFOLIOS[id]!;
    expect(shipped.markets.map((m) => m.symbol)).toEqual(t.flow.portfolio!.symbols);
    expect(shipped.markets.every((m) => m.trades > 0)).toBe(true);
  });
});

function importShared(symbol: string): void {
  const file = sharedDataFile(`binance-${symbol.replace("/", "")}-1h.csv`);
  expect(importCsv(db, { ...BUILT_IN_RESULTS_MARKET, symbol }, readFileSync(file, "utf8")).ok).toBe(true);
}
