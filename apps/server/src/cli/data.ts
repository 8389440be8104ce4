import { readFileSync, existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatBytes, timeframeSchema, TIMEFRAME_MS, type Market } from "@keyflow/core";
import { openDatabase } from "@keyflow/db";
import { configFromEnv } from "../config";
import { installDemoMarket } from "../data/demoMarket";
import { downloadCandles, type DownloadState } from "../data/download";
import { publicExchanges } from "../data/exchangeFactory";
import { importCsv } from "../data/importCsv";
import { utcMinute } from "../utcMinute";
import { CliError, runSubcommands } from "./subcommands";

export const DATA_USAGE = `Usage:
  keyflow data list
  keyflow data import <candles.csv> --market BTC/USDT --timeframe 1h [--exchange csv]
  keyflow data download <exchange> <symbol> <timeframe> [--since 2024-01-01] [--until 2024-06-01]

  import     CSV header time,open,high,low,close,volume (time: unix ms, unix s or ISO date);
             all rows or none are stored; overlapping candles are replaced, never duplicated
  download   public candles through ccxt (e.g. binance BTC/USDT 1h); resumes after the last stored candle`;

const day = (t: number | null) => (t === null ? "—" : utcMinute(t));

export function runDataCommand(argv: string[]): Promise<number> {
  return runSubcommands("data", DATA_USAGE, { list, import: importCommand, download }, argv);
}

function open() {
  const db = openDatabase(configFromEnv().dataDir);
  installDemoMarket(db);
  return db;
}

function list(): number {
  const db = open();
  try {
    const rows = db.candles.list();
    const lines = rows.map((s) =>
      [s.exchange.padEnd(10), s.symbol.padEnd(12), s.timeframe.padEnd(4), String(s.count).padStart(9), `  ${day(s.firstTime)} → ${day(s.lastTime)}`, `  (${s.source})`].join(" "),
    );
    process.stdout.write(`${["exchange   symbol       tf      candles  range (UTC)", ...lines].join("\n")}\n`);
    const u = db.usage();
    process.stdout.write(
      `\nDisk used: ${formatBytes(u.fileBytes)} (${db.path}): candles ${formatBytes(u.candleBytes)}, ${u.runs} backtest run${u.runs === 1 ? "" : "s"} ${formatBytes(u.runBytes)}\n`,
    );
    return 0;
  } finally {
    db.close();
  }
}

function timeframe(text: string | undefined) {
  const tf = timeframeSchema.safeParse(text);
  if (!tf.success) throw new CliError(`--timeframe must be one of ${timeframeSchema.options.join(", ")}${text ? `, not "${text}"` : ""}.`);
  return tf.data;
}

function importCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { market: { type: "string" }, symbol: { type: "string" }, timeframe: { type: "string" }, exchange: { type: "string", default: "csv" } },
  });
  const [file] = positionals;
  const symbol = values.market ?? values.symbol;
  if (!file || !symbol) throw new CliError(`Give the CSV file and --market.\n\n${DATA_USAGE}`);
  if (!existsSync(file)) throw new CliError(`No such file: ${file}`);
  const market: Market = { exchange: values.exchange, symbol, timeframe: timeframe(values.timeframe) };
  const db = open();
  try {
    const started = performance.now();
    const r = importCsv(db, market, readFileSync(file, "utf8"));
    if (!r.ok) {
      process.stderr.write(`Nothing was imported from ${file}:\n${r.errors.map((e) => `  line ${e.line}: ${e.message}`).join("\n")}\n`);
      return 1;
    }
    process.stdout.write(
      `Imported ${file} into ${market.exchange} ${market.symbol} ${market.timeframe}: ${r.added} new, ${r.replaced} replaced; ` +
        `${r.count} candles stored, ${day(r.firstTime)} → ${day(r.lastTime)} UTC (${((performance.now() - started) / 1000).toFixed(2)} s).\n`,
    );
    return 0;
  } finally {
    db.close();
  }
}

function date(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) || text.length <= 10 ? text : `${text}Z`);
  if (Number.isNaN(t)) throw new CliError(`${name} must be a date like 2024-01-01 (UTC) or unix ms, not "${text}".`);
  return t;
}

async function download(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { since: { type: "string" }, until: { type: "string" } } });
  const [exchange, symbol, tfText] = positionals;
  if (!exchange || !symbol || !tfText) throw new CliError(`Give the exchange, symbol and timeframe.\n\n${DATA_USAGE}`);
  const tf = timeframe(tfText);
  const since = date("--since", values.since) ?? Date.now() - 1000 * TIMEFRAME_MS[tf];
  const until = date("--until", values.until);
  const db = open();
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    const ex = publicExchanges(configFromEnv().exchange)(exchange);
    const tty = process.stderr.isTTY;
    let lastNote: string | null = null;
    const show = (s: DownloadState) => {
      if (s.note && s.note !== lastNote) process.stderr.write(`${tty ? "\r\x1b[K" : ""}${s.note}\n`);
      lastNote = s.note;
      if (tty) process.stderr.write(`\r\x1b[K${s.percent.toFixed(1)}%  ${s.fetched} candles  up to ${day(s.lastTime)}`);
    };
    const result = await downloadCandles(db, ex, { exchange, symbol, timeframe: tf, since, ...(until === undefined ? {} : { until }) }, { signal: abort.signal, onProgress: show });
    if (tty) process.stderr.write("\n");
    if (result.gapCount > result.gaps.length) process.stdout.write(`${result.gapCount} gaps in all; the first ${result.gaps.length}:\n`);
    for (const g of result.gaps) process.stdout.write(`gap: ${g.missing} candle(s) missing after ${day(g.after)} (next ${day(g.before)})\n`);
    if (result.status !== "done") {
      process.stderr.write(`${result.error}\n`);
      return 1;
    }
    process.stdout.write(
      `Downloaded ${result.fetched} candles (${result.added} new) of ${exchange} ${symbol} ${tf} from ${day(result.from)}; ` +
        `${result.gaps.length} gap(s). Stored up to ${day(result.lastTime)} UTC.\n`,
    );
    return 0;
  } finally {
    process.off("SIGINT", onSigint);
    db.close();
  }
}
