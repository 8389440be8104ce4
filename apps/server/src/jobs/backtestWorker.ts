// Worker thread entry: runs one backtest (or one portfolio over several markets) off the server's
// event loop: reads its candles from the database file itself, posts progress, and posts the result
// already encoded for storage (the main thread only writes it). Also replays finished runs for bar-level windows. Bundled to dist/worker.js.
import { parentPort } from "node:worker_threads";
import { backtest, compile, generateDemoCandles, getTemplate, portfolioBacktest, type Candles } from "@keyflow/core";
import { encodeResults, openCandleReader, type ReadCandles } from "@keyflow/db/worker";
import { buildChart } from "../backtest/chart";
import { windowChart, type Replayed } from "../backtest/window";
import { drawdownPct } from "../backtest/downsample";
import { encodePortfolio } from "../backtest/portfolioResults";
import { unpackCandles, type CandleSource, type PortfolioRequest, type RunRequest, type WindowRequest, type WorkerMessage, type WorkerRequest } from "./workerProtocol";

const port = parentPort;
if (!port) throw new Error("backtestWorker must run in a worker thread");

const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

// Warm the engine's shared code (broker, indicators, metrics) while the worker waits in the pool,
// so the first real run is not also a JIT warm-up.
{
  const flow = getTemplate("sma-cross-rsi-filter")!.flow;
  const compiled = compile(flow);
  if (compiled.ok) {
    const candles = generateDemoCandles({ seed: 1, timeframe: "1m", start: 0, bars: 50_000 });
    backtest(compiled.spec, candles, flow.settings, { record: true });
  }
}

/** One read-only connection per database file, kept for the worker's life. */
let reader: { path: string; read: ReadCandles } | null = null;
/** The candles read last: people run one market again and again while they tune a strategy. */
let lastRead: { key: string; candles: Candles } | null = null;

function candlesOf(source: CandleSource): Candles {
  if (source.kind === "packed") return unpackCandles(source.candles);
  const key = `${source.path}|${source.seriesId}|${source.version}|${source.from}|${source.to}`;
  if (lastRead?.key === key) return lastRead.candles;
  lastRead = { key, candles: readSource(source) };
  return lastRead.candles;
}

function readSource(source: Extract<CandleSource, { kind: "db" }>): Candles {
  if (reader?.path !== source.path) reader = { path: source.path, read: openCandleReader(source.path).read };
  return reader.read(source.seriesId, { from: source.from, to: source.to });
}

/** Posts progress at most every 50 ms (and always the last step). */
function progressPoster(started: number): (done: number, total: number) => void {
  let lastPost = 0;
  return (done, total) => {
    const now = performance.now();
    if (now - lastPost < 50 && done < total) return;
    lastPost = now;
    post({ type: "progress", done, total, elapsedMs: now - started });
  };
}

function run(req: RunRequest): void {
  const started = performance.now();
  const candles = candlesOf(req.source);
  const engineStarted = performance.now();
  const result = backtest(req.spec, candles, req.settings, {
    hash: req.hash,
    record: true,
    timeframeMs: req.timeframeMs,
    progressEvery: Math.max(16_384, Math.ceil(candles.length / 100)),
    onProgress: progressPoster(started),
  });
  const backtestMs = performance.now() - engineStarted;
  const chart = buildChart({ candles, timeframeMs: req.timeframeMs, equity: result.equity, series: result.series, spec: req.spec, nodeIds: req.nodeIds });
  const blob = encodeResults({ trades: result.trades, chart }, req.settings.feeRate);
  // A copy into a buffer of its own, so the transfer moves exactly these bytes.
  const results = new Uint8Array(blob);
  post(
    { type: "result", report: { metrics: result.metrics, openPosition: result.openPosition, bars: result.bars }, results, backtestMs, elapsedMs: performance.now() - started },
    [results.buffer as ArrayBuffer],
  );
}

function portfolio(req: PortfolioRequest): void {
  const started = performance.now();
  // Each market's candles are read here, not cached: the last-read cache is for one market run again and again.
  const markets = req.markets.map((m) => ({ symbol: m.symbol, candles: m.source.kind === "packed" ? unpackCandles(m.source.candles) : readSource(m.source) }));
  const engineStarted = performance.now();
  const total = markets.reduce((n, m) => n + m.candles.length, 0);
  const result = portfolioBacktest(req.spec, markets, req.settings, req.rules, {
    timeframeMs: req.timeframeMs,
    hash: req.hash,
    progressEvery: Math.max(4096, Math.ceil(total / markets.length / 100)),
    onProgress: progressPoster(started),
  });
  const backtestMs = performance.now() - engineStarted;
  const encoded = encodePortfolio(result, req.settings.feeRate);
  post(
    { type: "portfolioResult", metrics: result.metrics, markets: encoded.markets, bars: result.bars, results: encoded.results, backtestMs, elapsedMs: performance.now() - started },
    [encoded.results.buffer as ArrayBuffer],
  );
}

/** The last run replayed: a person clicks trade after trade of the same run. */
let last: Replayed | null = null;

function window(req: WindowRequest): void {
  if (last?.runId !== req.runId) {
    const candles = candlesOf(req.source);
    // The same engine on the same candles records the same indicator values the run had.
    const result = backtest(req.spec, candles, req.settings, { record: true, timeframeMs: req.timeframeMs, hash: req.hash });
    last = { runId: req.runId, candles, equity: result.equity, series: result.series, drawdown: drawdownPct(result.equity), spec: req.spec, nodeIds: req.nodeIds, timeframeMs: req.timeframeMs };
  }
  post({ type: "window", id: req.id, chart: windowChart(last, req.from, req.to, req.maxPoints) });
}

// One request at a time; the pool hands the worker its next run once this one is answered.
port.on("message", (req: WorkerRequest) => {
  try {
    if (req.type === "run") run(req);
    else if (req.type === "portfolio") portfolio(req);
    else window(req);
  } catch (e) {
    post({ type: "error", ...(req.type === "window" ? { id: req.id } : {}), message: e instanceof Error ? e.message : String(e) });
  }
});
