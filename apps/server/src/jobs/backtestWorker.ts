// Worker thread entry: runs one backtest off the server's event loop and posts progress and the
// result (already cut down for the chart) back. Bundled to dist/worker.js.
import { parentPort } from "node:worker_threads";
import { backtest, compile, generateDemoCandles, getTemplate } from "@keyflow/core";
import { buildChart } from "../backtest/chart";
import { unpackCandles, type RunRequest, type WorkerMessage } from "./workerProtocol";

const port = parentPort;
if (!port) throw new Error("backtestWorker must run in a worker thread");

const post = (m: WorkerMessage) => port.postMessage(m);

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

// One run at a time; the pool hands the worker its next run once this one is answered.
port.on("message", (req: RunRequest) => {
  try {
    const candles = unpackCandles(req.candles);
    const started = performance.now();
    let lastPost = 0;
    const result = backtest(req.spec, candles, req.settings, {
      hash: req.hash,
      record: true,
      timeframeMs: req.timeframeMs,
      progressEvery: Math.max(16_384, Math.ceil(candles.length / 100)),
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - lastPost < 50 && done < total) return;
        lastPost = now;
        post({ type: "progress", done, total, elapsedMs: now - started });
      },
    });
    const backtestMs = performance.now() - started;
    const chart = buildChart({ candles, timeframeMs: req.timeframeMs, equity: result.equity, series: result.series, spec: req.spec, nodeIds: req.nodeIds });
    post({
      type: "result",
      report: { metrics: result.metrics, trades: result.trades, openPosition: result.openPosition, bars: result.bars },
      chart,
      backtestMs,
      elapsedMs: performance.now() - started,
    });
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
});
