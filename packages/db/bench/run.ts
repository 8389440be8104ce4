/**
 * Candle storage benchmark: one year of 1m candles (525,600) inserted and read back, comparing the
 * shipped layout (raw Float64 column chunks as BLOBs) with one row per candle (the baseline) and
 * with deflate-compressed chunks, all in this process on temp databases.
 *   pnpm --filter @keyflow/db bench
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { generateDemoCandles, type Candles } from "@keyflow/core";
import BetterSqlite3 from "better-sqlite3";
import { allocPackedCandles, CHUNK_CANDLES, openDatabase } from "../src";
import { decodeChunkInto, encodeChunk } from "../src/candleCodec";

const BARS = 525_600;
const REPEAT = 5;
const candles = generateDemoCandles({ seed: 42, timeframe: "1m", start: Date.UTC(2024, 0, 1), bars: BARS });

function best(fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

function check(c: Candles): void {
  if (c.length !== BARS || c.close[BARS - 1] !== candles.close[BARS - 1] || c.time[1234] !== candles.time[1234]) throw new Error("read back wrong candles");
}

interface Layout {
  name: string;
  insert(): void;
  read(): Candles;
  file: string;
  close(): void;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "keyflow-bench-"));
}

function rowsLayout(): Layout {
  const dir = tempDir();
  const file = join(dir, "rows.db");
  const db = new BetterSqlite3(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE candles (series_id INTEGER, time INTEGER, open REAL, high REAL, low REAL, close REAL, volume REAL, PRIMARY KEY (series_id, time)) WITHOUT ROWID");
  const ins = db.prepare("INSERT OR REPLACE INTO candles VALUES (1, ?, ?, ?, ?, ?, ?)");
  const sel = db.prepare("SELECT time, open, high, low, close, volume FROM candles WHERE series_id = 1 ORDER BY time").raw(true);
  const count = db.prepare("SELECT count(*) FROM candles WHERE series_id = 1").pluck();
  return {
    name: "rows (one per candle)",
    file,
    insert: db.transaction(() => {
      for (let i = 0; i < BARS; i++) ins.run(candles.time[i], candles.open[i], candles.high[i], candles.low[i], candles.close[i], candles.volume[i]);
    }),
    read() {
      const n = count.get() as number;
      const c = allocPackedCandles(n);
      let i = 0;
      for (const r of sel.iterate() as Iterable<number[]>) {
        c.time[i] = r[0]!;
        c.open[i] = r[1]!;
        c.high[i] = r[2]!;
        c.low[i] = r[3]!;
        c.close[i] = r[4]!;
        c.volume[i] = r[5]!;
        i++;
      }
      return c;
    },
    close: () => (db.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

function shippedLayout(): Layout {
  const dir = tempDir();
  const db = openDatabase(dir);
  const series = db.candles.ensure({ exchange: "bench", symbol: "X/Y", timeframe: "1m" }, "demo");
  return {
    name: `raw column chunks of ${CHUNK_CANDLES} (shipped)`,
    file: db.path,
    insert: () => db.candles.insert(series.id, candles),
    read: () => db.candles.read(series.id),
    close: () => (db.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

function deflateLayout(): Layout {
  const dir = tempDir();
  const file = join(dir, "deflate.db");
  const db = new BetterSqlite3(file);
  db.pragma("page_size = 16384");
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE chunks (series_id INTEGER, chunk_start INTEGER, count INTEGER, data BLOB, PRIMARY KEY (series_id, chunk_start))");
  const ins = db.prepare("INSERT OR REPLACE INTO chunks VALUES (1, ?, ?, ?)");
  const sel = db.prepare("SELECT count, data FROM chunks WHERE series_id = 1 ORDER BY chunk_start").raw(true);
  return {
    name: `deflate-compressed chunks of ${CHUNK_CANDLES}`,
    file,
    insert: db.transaction(() => {
      for (let i = 0; i < BARS; i += CHUNK_CANDLES) {
        const to = Math.min(BARS, i + CHUNK_CANDLES);
        ins.run(candles.time[i], to - i, deflateRawSync(encodeChunk(candles, i, to), { level: 1 }));
      }
    }),
    read() {
      const rows = sel.all() as [number, Buffer][];
      const c = allocPackedCandles(rows.reduce((s, r) => s + r[0], 0));
      let at = 0;
      for (const [n, data] of rows) {
        decodeChunkInto(inflateRawSync(data), n, c, at);
        at += n;
      }
      return c;
    },
    close: () => (db.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

const results: { name: string; insertMs: number; readMs: number; mb: number }[] = [];
for (const make of [rowsLayout, shippedLayout, deflateLayout]) {
  const layout = make();
  const insertMs = best(() => layout.insert());
  let last: Candles | undefined;
  const readMs = best(() => (last = layout.read()));
  check(last!);
  const mb = (statSync(layout.file).size + (statSync(`${layout.file}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 1e6;
  results.push({ name: layout.name, insertMs, readMs, mb });
  layout.close();
}

const base = results[0]!;
console.log(`candle store, ${BARS.toLocaleString("en")} 1m candles, best of ${REPEAT}; ratios against "${base.name}" in this process`);
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(38)} read ${r.readMs.toFixed(1).padStart(7)} ms (speed ×${(base.readMs / r.readMs).toFixed(1)} of baseline)` +
      `   insert ${r.insertMs.toFixed(0).padStart(5)} ms (×${(base.insertMs / r.insertMs).toFixed(1)})   db+wal ~${r.mb.toFixed(0)} MB`,
  );
}
