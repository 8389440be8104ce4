import { basename } from "node:path";
import { parseArgs } from "node:util";
import {
  backtest,
  compile,
  describeGaps,
  findGaps,
  formatSpacing,
  portfolioBacktest,
  portfolioSymbols,
  TEMPLATES,
  TIMEFRAME_MS,
  type BacktestReport,
  type Candles,
  type FlowGraph,
  type PortfolioResult,
  type Settings,
  type StrategySpec,
} from "@keyflow/core";
import { utcMinute } from "../utcMinute";
import { demoCandles, InputError as UserError, loadCsv, loadFlow } from "./flowInput";

const USAGE = `Usage: keyflow backtest <flow.json | template-id> [--data candles.csv …] [--symbols BTC/USDT,ETH/USDT] [--max-open 2] [--budget 5000] [--cash 10000] [--fee 0.001] [--slippage 0] [--json]

  <flow.json>     a flow or template file saved by Keyflow
  <template-id>   a built-in template: ${TEMPLATES.map((t) => t.id).join(", ")}
  --data          CSV with header time,open,high,low,close,volume (time: unix ms, unix s or ISO date);
                  without it, the generated demo market (one year) at the flow's timeframe is used.
                  Give it more than once to trade the flow over each file (a market per file) as
                  one portfolio on shared cash
  --symbols       trade the flow over these stored markets of the flow's exchange and timeframe
                  (keyflow data list shows them) as one portfolio on shared cash; a flow with
                  portfolio markets of its own trades them without this
  --max-open      portfolio: most positions open at once (default: the flow's, else one per market)
  --budget        portfolio: cash given to each new position (default: the flow's, else cash ÷ max open)
                  Markets take free slots in the order given; see docs/portfolio.md
  --json          print one JSON object (metrics, trades, openPosition, bars, specHash) on stdout`;


/** `keyflow backtest`: returns the process exit code. */
export async function runBacktestCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: "string", multiple: true },
        symbols: { type: "string" },
        "max-open": { type: "string" },
        budget: { type: "string" },
        cash: { type: "string" },
        fee: { type: "string" },
        slippage: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const [source] = positionals;
    if (!source || positionals.length > 1) throw new UserError(`Give exactly one flow file or template id.\n\n${USAGE}`);

    const flow = loadFlow(source);
    const settings = {
      ...flow.settings,
      ...(values.cash !== undefined && { initialCash: positiveNumber("--cash", values.cash) }),
      ...(values.fee !== undefined && { feeRate: fraction("--fee", values.fee) }),
      ...(values.slippage !== undefined && { slippage: fraction("--slippage", values.slippage) }),
    };
    const compiled = compile({ ...flow, settings });
    if (!compiled.ok) {
      const lines = compiled.errors.map((e) => `  ✗ ${e.nodeId ? `[${e.nodeId}${e.port ? `.${e.port}` : e.param ? `.${e.param}` : ""}] ` : ""}${e.message}`);
      throw new UserError(`The flow "${flow.name}" has ${compiled.errors.length} problem(s):\n${lines.join("\n")}`);
    }
    if (!values.json) for (const w of compiled.warnings) process.stderr.write(`  ! ${w.message}\n`);

    if (values.symbols !== undefined && values.data) throw new UserError("Give either --data files or --symbols, not both.");
    const symbols = values.symbols !== undefined ? values.symbols : !values.data && flow.portfolio ? null : undefined;
    const markets =
      symbols !== undefined ? await storedMarkets(flow, symbols) : (values.data ?? []).length > 1 ? values.data!.map((path) => ({ name: basename(path), candles: loadCsv(path) })) : null;
    if (markets) {
      const maxOpen = values["max-open"] !== undefined ? positiveInteger("--max-open", values["max-open"]) : (flow.portfolio?.maxOpenPositions ?? markets.length);
      const budget = values.budget !== undefined ? positiveNumber("--budget", values.budget) : flow.portfolio?.budgetPerPosition;
      const tf = TIMEFRAME_MS[flow.market.timeframe];
      for (const m of markets) warnGaps(m.candles, tf, m.name);
      const started = performance.now();
      const result = portfolioBacktest(
        compiled.spec,
        markets.map((m) => ({ symbol: m.name, candles: m.candles })),
        settings,
        { maxOpenPositions: maxOpen, budgetPerPosition: budget },
        { timeframeMs: tf, hash: compiled.hash },
      );
      const ms = performance.now() - started;
      if (values.json) process.stdout.write(`${JSON.stringify(portfolioJson(result))}\n`);
      else process.stdout.write(portfolioTable(flow, settings, result, ms));
      return 0;
    }
    const candles = values.data ? loadCsv(values.data[0]!) : demoCandles(flow);
    const { report, ms } = runOne(flow, compiled.spec, compiled.hash, settings, candles, !values.json || process.stderr.isTTY);
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(summary(flow, report, candles, ms));
    return 0;
  } catch (err) {
    if (err instanceof UserError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`keyflow backtest: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

/** One backtest over `candles`, as the single-market command prints it. */
function runOne(flow: FlowGraph, spec: StrategySpec, hash: string, settings: Settings, candles: Candles, showProgress: boolean) {
  warnGaps(candles, TIMEFRAME_MS[flow.market.timeframe]);
  const big = showProgress && candles.length > 1_000_000;
  const started = performance.now();
  const result = backtest(spec, candles, settings, {
    hash,
    timeframeMs: TIMEFRAME_MS[flow.market.timeframe],
    progressEvery: 250_000,
    onProgress: big ? (done, total) => progress(done, total) : undefined,
  });
  const ms = performance.now() - started;
  if (big) process.stderr.write("\n");
  const report: BacktestReport = {
    metrics: result.metrics,
    trades: result.trades,
    openPosition: result.openPosition,
    bars: result.bars,
    specHash: result.specHash,
  };
  return { report, ms, candles, equity: result.equity };
}

function warnGaps(candles: Candles, timeframeMs: number, market?: string): void {
  const gaps = findGaps(candles.time, timeframeMs, { max: 3 });
  if (gaps.count > 0) process.stderr.write(`  ! ${market ? `${market}: ` : ""}${describeGaps(gaps)}. Trades across a gap may not be what the market did.\n`);
}

/** The stored candles of each symbol of the flow's exchange and timeframe (`list` null: the flow's portfolio markets). */
async function storedMarkets(flow: FlowGraph, list: string | null): Promise<{ name: string; candles: Candles }[]> {
  const named = list === null ? [] : [...new Set(list.split(",").map((s) => s.trim()).filter((s) => s.length > 0))];
  if (list !== null && named.length === 0) throw new UserError("--symbols needs at least one market, e.g. --symbols BTC/USDT,ETH/USDT.");
  // Loaded only here: a plain `keyflow backtest` starts without SQLite (see cliStartup.test.ts).
  const [{ openDatabase }, { configFromEnv }, { installDemoMarket }] = await Promise.all([import("@keyflow/db"), import("../config"), import("../data/demoMarket")]);
  const db = openDatabase(configFromEnv().dataDir);
  try {
    installDemoMarket(db);
    const { exchange, timeframe } = flow.market;
    const symbols = list === null ? portfolioSymbols(flow, db.candles.list()) : named;
    return symbols.map((symbol) => {
      const series = db.candles.find({ exchange, symbol, timeframe });
      if (!series || series.count === 0) {
        throw new UserError(`No ${exchange} ${symbol} ${timeframe} candles stored. Download them first: keyflow data download ${exchange} ${symbol} ${timeframe}`);
      }
      return { name: symbol, candles: db.candles.read(series.id) };
    });
  } finally {
    db.close();
  }
}

/** The portfolio as `--json` prints it: its metrics and rules, and each market's trades. */
function portfolioJson(r: PortfolioResult) {
  return {
    portfolio: { metrics: r.metrics, bars: r.bars, specHash: r.specHash, maxOpenPositions: r.maxOpenPositions, budgetPerPosition: r.budgetPerPosition },
    markets: r.markets,
  };
}

function portfolioTable(flow: FlowGraph, settings: Settings, r: PortfolioResult, ms: number): string {
  const width = Math.max(9, ...r.markets.map((m) => m.symbol.length));
  const row = (name: string, pnl: string, trades: string, skipped: string, open: string) => `  ${name.padEnd(width)} ${pnl.padStart(14)} ${trades.padStart(7)} ${skipped.padStart(8)} ${open.padStart(5)}`;
  const m = r.metrics;
  return [
    `\n  ${flow.name} — ${r.markets.length} markets, ${flow.market.exchange} ${flow.market.timeframe}, one portfolio on shared cash (${ms.toFixed(0)} ms)`,
    `  ${num(settings.initialCash)} cash, at most ${r.maxOpenPositions} open, ${num(r.budgetPerPosition)} a position · spec ${r.specHash.slice(0, 12)}\n`,
    row("market", "profit", "trades", "skipped", "open"),
    ...r.markets.map((x) => row(x.symbol, num(x.pnl + (x.openPosition?.unrealizedPnl ?? 0)), String(x.trades.length), String(x.skippedEntries), x.openPosition ? "yes" : "–")),
    "",
    `  ${"Final equity".padEnd(18)} ${num(m.finalEquity)}`,
    `  ${"Total return".padEnd(18)} ${pct(m.totalReturnPct)} (markets held in equal parts: ${pct(m.buyHoldReturnPct)})`,
    `  ${"Max drawdown".padEnd(18)} ${m.maxDrawdownPct.toFixed(2)} %`,
    `  ${"Sharpe / Sortino".padEnd(18)} ${m.sharpe.toFixed(2)} / ${m.sortino.toFixed(2)}`,
    `  ${"Trades".padEnd(18)} ${m.trades} (win rate ${m.winRatePct.toFixed(1)} %)`,
    `  ${"Fees".padEnd(18)} ${num(m.fees)}`,
    "",
  ].join("\n");
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new UserError(`${flag} must be a whole number from 1 to 100, got "${text}".`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${flag} must be a positive number, got "${text}".`);
  return n;
}

function fraction(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 0.1) throw new UserError(`${flag} is a fraction between 0 and 0.1 (0.001 = 0.1 %), got "${text}".`);
  return n;
}

function progress(done: number, total: number): void {
  const pct = Math.floor((done / total) * 100);
  const width = 30;
  const filled = Math.round((pct / 100) * width);
  process.stderr.write(`\r  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${pct}% of ${total.toLocaleString("en-US")} bars`);
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)} %`;
const num = (x: number, d = 2) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

function summary(flow: FlowGraph, r: BacktestReport, candles: Candles, ms: number): string {
  const m = r.metrics;
  const rows: [string, string][] = [
    ["Final equity", num(m.finalEquity)],
    ["Total return", pct(m.totalReturnPct)],
    ["Buy & hold", pct(m.buyHoldReturnPct)],
    ["Max drawdown", `${m.maxDrawdownPct.toFixed(2)} %`],
    ["CAGR / Calmar", `${pct(m.cagrPct)} / ${m.calmar === null ? "–" : m.calmar.toFixed(2)}`],
    ["Longest drawdown", `${(m.maxDrawdownDurationMs / 86_400_000).toFixed(1)} days`],
    ["Sharpe / Sortino", `${m.sharpe.toFixed(2)} / ${m.sortino.toFixed(2)} (${formatSpacing(m.barMs)} bars)`],
    ["Trades", `${m.trades} (win rate ${m.winRatePct.toFixed(1)} %, avg ${pct(m.avgTradePct)}, ${m.avgBarsHeld.toFixed(1)} bars held)`],
    ["Expectancy / SQN", `${num(m.expectancy)} / ${m.sqn === null ? "–" : m.sqn.toFixed(2)}`],
    ["Largest win / loss", `${m.largestWin === null ? "–" : num(m.largestWin)} / ${m.largestLoss === null ? "–" : num(m.largestLoss)} (longest losing streak ${m.longestLosingStreak})`],
    ["Profit factor", m.profitFactor === null ? "– (no losing trade)" : m.profitFactor.toFixed(2)],
    ["Exposure", `${m.exposurePct.toFixed(1)} %`],
    ["Fees", num(m.fees)],
  ];
  const bt = m.backtestingPy;
  const btpy = `  as backtesting.py defines them: profit factor ${bt.profitFactor === null ? "–" : bt.profitFactor.toFixed(2)}, avg trade ${pct(bt.avgTradePct)}, exposure ${bt.exposurePct.toFixed(1)} %, buy & hold ${pct(bt.buyHoldReturnPct)}`;
  const warning = m.timeframeWarning ? `\n  ! ${m.timeframeWarning}` : "";
  const open = r.openPosition
    ? `\n  Open position: ${r.openPosition.qty.toPrecision(6)} @ ${num(r.openPosition.entryPrice)} since ${utcMinute(r.openPosition.entryTime)}, marked ${num(r.openPosition.markPrice)} (${pct(r.openPosition.returnPct)})\n`
    : "";
  const first = candles.time[0]!;
  const last = candles.time[candles.length - 1]!;
  return [
    `\n  ${flow.name} — ${r.bars.toLocaleString("en-US")} bars, ${utcMinute(first)} → ${utcMinute(last)} UTC (${ms.toFixed(0)} ms)`,
    `  spec ${r.specHash.slice(0, 12)}\n`,
    ...rows.map(([k, v]) => `  ${k.padEnd(18)} ${v}`),
    btpy + warning,
    open,
  ].join("\n");
}
