// A result leaves the machine as a bundle and is verified on another install's own candles.
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { parseResultBundle, REPORT_BUNDLE_ID, type Market, type ResultBundle } from "@keyflow/core";
import { sharedDataFile } from "@keyflow/core/test/sharedData";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCsv } from "../src/data/importCsv";
import { utcMinute } from "../src/utcMinute";
import { changeCandle, template, testServices, unpackRun, userErrorOf, verifyCli } from "./helpers";

const market: Market = { exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" };
const from = Date.UTC(2022, 0, 1);
const to = Date.UTC(2023, 0, 1);
let a: ReturnType<typeof testServices>;
let b: ReturnType<typeof testServices>;
let json: string;
let bundle: ResultBundle;

beforeAll(() => {
  const csv = readFileSync(sharedDataFile("binance-BTCUSDT-1h.csv"), "utf8");
  a = testServices({ backtests: { concurrency: 1 } });
  b = testServices({ backtests: { concurrency: 1 } });
  for (const t of [a, b]) expect(importCsv(t.services.db, market, csv).ok).toBe(true);
}, 120_000);
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

async function finished(t: typeof a, runId: string) {
  for await (const e of await t.caller.backtests.progress({ runId })) if (e.status !== "queued" && e.status !== "running") break;
  const run = await t.caller.backtests.get({ runId });
  return { ...run, trades: unpackRun(run)?.trades ?? null };
}

const importInto = (t: typeof a, doc: unknown) => t.caller.backtests.importBundle({ json: JSON.stringify(doc), download: false });
const tampered = (f: (x: ResultBundle) => void) => {
  const x = structuredClone(bundle);
  f(x);
  return x;
};

const cli = (...args: string[]) => verifyCli(b.dir, ...args);

describe("result bundles", () => {
  it("exports a run with its template, data fingerprint, engine and result; the file round-trips", async () => {
    const s = await a.caller.strategies.create({ flow: { ...template("sma-cross"), market } });
    const run = await finished(a, (await a.caller.backtests.run({ strategyId: s.id, from, to })).runId);
    ({ bundle } = await a.caller.backtests.exportBundle({ runId: run.id }));
    json = JSON.stringify(bundle);
    const back = parseResultBundle(JSON.parse(json));
    expect(back).toEqual({ ok: true, bundle });
    expect(bundle.data).toMatchObject({ ...market, from, to, count: run.bars, firstTime: from, contentHash: run.dataHash });
    expect(bundle.data.checks).toHaveLength(run.bars * 4);
    expect(bundle).toMatchObject({ specHash: run.specHash, engineVersion: run.engineVersion, metrics: run.metrics, trades: run.trades });
    expect(bundle.candles).toBeUndefined();
    expect(bundle.trades.length).toBeGreaterThan(5);
  });

  it("verifies on a second data directory holding the same candles; the imported run carries the badge", async () => {
    const r = await importInto(b, bundle);
    expect(r.verification.status).toBe("verified");
    const run = await finished(b, r.runId!);
    expect(run.verification).toEqual(r.verification);
    expect(run.trades).toEqual(bundle.trades);
    expect(run.metrics).toEqual(bundle.metrics);
    expect(run.strategyVersion).toBe(1);
    // The imported strategy shows what the check found in the list of strategies.
    expect((await b.caller.strategies.list()).find((x) => x.id === r.strategyId)?.verification).toEqual(r.verification);
    expect((await cli(writeBundle("ok", bundle))).code).toBe(0);
    // An HTML report carries the bundle in a JSON script element; verify reads it from there too.
    const page = join(b.dir, "ok.report.html");
    writeFileSync(page, `<!doctype html><title>x</title><script type="application/json" id="${REPORT_BUNDLE_ID}">${JSON.stringify(bundle).replace(/</g, "\\u003c")}</script>`);
    expect((await cli(page)).code).toBe(0);
  });

  it("a tampered metric or trade is not reproduced, naming the first diverging trade", async () => {
    const metric = await importInto(b, tampered((x) => (x.metrics.totalReturnPct += 1)));
    expect(metric.verification.status).toBe("notReproduced");
    expect(metric.verification.reason).toMatch(/totalReturnPct/);

    const at = bundle.trades[3]!;
    const trade = await importInto(b, tampered((x) => (x.trades[3]!.exitPrice *= 1.01)));
    expect(trade.verification).toMatchObject({ status: "notReproduced", at: at.entryTime });
    expect(trade.verification.reason).toMatch(/Trade 4 .*exitPrice/);

    const out = await cli(writeBundle("tampered", tampered((x) => (x.trades[0]!.pnl = 1e6))));
    expect(out.code).toBe(1);
    expect(out.out).toMatch(/Not reproduced/);
  });

  it("one changed candle makes it 'data differs' at that candle; unreadable files are refused", async () => {
    const withCandles = (await a.caller.backtests.exportBundle({ runId: (await a.caller.backtests.recent({ limit: 1 }))[0]!.id, includeCandles: true })).bundle;
    const t = Date.UTC(2022, 5, 13, 7);
    const changed = changeCandle(b.services.db, market, t, "close", 0.01);

    for (const doc of [bundle, withCandles]) {
      const r = await importInto(b, doc);
      expect(r.verification).toMatchObject({ status: "dataDiffers", at: t });
      expect(r.verification.reason).toContain(utcMinute(t));
    }
    expect((await importInto(b, withCandles)).verification.reason).toContain(`close is ${changed.before} in the result's candles and ${changed.after} in yours`);
    expect((await cli(writeBundle("differs", bundle), "--offline")).code).toBe(1);
    // Candles that unpack to more than the fingerprint names are refused, never unpacked whole.
    const bomb = { ...withCandles, candles: { ...withCandles.candles!, data: gzipSync(Buffer.alloc(48 * bundle.data.count * 50)).toString("base64") } };
    const refused = (await importInto(b, bomb)).verification;
    expect(refused).toMatchObject({ status: "dataDiffers", at: t });
    expect(refused.reason).not.toContain("in the result's candles");

    expect((await cli(writeBundle("garbage", { format: "keyflow.result", version: 1 }))).code).toBe(2);
    expect(await userErrorOf(importInto(b, { format: "keyflow.flow" }))).toMatchObject({ kind: "bundle" });
  });
});

function writeBundle(name: string, doc: unknown): string {
  const path = join(b.dir, `${name}.result.json`);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}
