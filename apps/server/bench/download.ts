/**
 * Candles stored per second for one year of 1m candles downloaded from the loopback fake exchange
 * (`pnpm fake-exchange` in its own process, as a real exchange is; pages of 1000, through
 * createExchange, the shared limiter and the Retrier), beside the same candles written straight into
 * the store: the ratio is what the exchange path costs.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "@keyflow/db";
import { downloadCandles } from "../src/data/download";
import { publicExchanges } from "../src/data/exchangeFactory";
import { DEFAULT_EXCHANGE_SETTINGS } from "../src/keys/exchangeSettings";

export async function downloadBench(): Promise<void> {
  const M = 60_000;
  const DAY = 1440 * M;
  const days = 365;
  const count = days * 1440;
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const fake = spawn(process.execPath, ["--import", "tsx", "test/fake-exchange/cli.ts", "--port", "0", "--days", String(days)], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  fake.stdout.setEncoding("utf8");
  const url = await new Promise<string>((resolve, reject) => {
    fake.stdout.on("data", (d: string) => {
      out += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    fake.once("exit", (code) => reject(new Error(`fake exchange exited (${code}): ${out}`)));
  });
  // The same first minute as the fake's stream (midnight UTC `days` ago).
  const start = Math.floor(Date.now() / DAY) * DAY - days * DAY;
  const dir = mkdtempSync(join(tmpdir(), "keyflow-bench-download-"));
  try {
    const db = openDatabase(dir);
    // Loopback: the limiter is set wide open so the bench measures our path, not a venue's quota.
    const ex = publicExchanges({ ...DEFAULT_EXCHANGE_SETTINGS, urls: { binance: url }, limit: { maxRequests: 1000, windowMs: 1000 }, ccxtRateLimitMs: 1 })("binance");
    await ex.loadMarkets();
    const t0 = performance.now();
    const r = await downloadCandles(db, ex, { exchange: "binance", symbol: "BTC/USDT", timeframe: "1m", since: start, until: start + count * M });
    const downloadMs = performance.now() - t0;
    if (r.status !== "done" || r.added !== count) throw new Error(`download bench: ${r.status}, ${r.added} of ${count} stored (${r.error ?? ""})`);

    // Baseline: the same candles stored in pages of 1000 without any exchange in between.
    const c = db.candles.read(db.candles.find({ exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" })!.id);
    const series = db.candles.ensure({ exchange: "direct", symbol: "BTC/USDT", timeframe: "1m" }, "csv");
    const t1 = performance.now();
    for (let i = 0; i < count; i += 1000) {
      const n = Math.min(1000, count - i);
      const page = { length: n, time: c.time.subarray(i, i + n), open: c.open.subarray(i, i + n), high: c.high.subarray(i, i + n), low: c.low.subarray(i, i + n), close: c.close.subarray(i, i + n), volume: c.volume.subarray(i, i + n) };
      db.candles.insert(series.id, page);
    }
    const storeMs = performance.now() - t1;
    const perSec = (ms: number) => Math.round(count / (ms / 1000));
    console.log(`\nDownload of one year of 1m candles (${count.toLocaleString("en-US")}) from the loopback fake exchange, ${r.pages} pages`);
    console.log("| path | time | candles stored/s | ratio to store only |");
    console.log("| --- | --- | --- | --- |");
    console.log(`| store only (pages of 1000) | ${storeMs.toFixed(0)} ms | ${perSec(storeMs).toLocaleString("en-US")} | 1.00× |`);
    console.log(`| fake exchange → ccxt → store | ${downloadMs.toFixed(0)} ms | ${perSec(downloadMs).toLocaleString("en-US")} | ${(downloadMs / storeMs).toFixed(2)}× |`);
    await ex.close();
    db.close();
  } finally {
    fake.kill("SIGTERM");
    await once(fake, "exit");
    rmSync(dir, { recursive: true, force: true });
  }
}
