// The gallery's results are real: each built-in template's shipped result verifies on the shared
// Binance candles. A change that alters a result fails here until the files are regenerated
// (`pnpm --filter @keyflow/server template-results`, with ENGINE_VERSION bumped).
import { readFileSync } from "node:fs";
import { parseResultBundle, TEMPLATES } from "@keyflow/core";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { openDatabase, type KeyflowDb } from "@keyflow/db";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCsv } from "../src/data/importCsv";
import { verifyBundle } from "../src/results/verifyBundle";
import { BUILT_IN_RESULTS, BUILT_IN_RESULTS_MARKET, BUILT_IN_RESULTS_RANGE } from "../src/templates/builtInResults";
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
});
