import type { StrategySpec } from "../compile/spec";
import { specHash } from "../compile/compile";
import type { Candles } from "../data/candles";
import type { Settings } from "../flow/schema";
import { computeMetrics } from "./metrics";
import { RunColumns, type RunTally } from "./program";
import type { BacktestResult, RecordedSeries } from "./result";
import type { BuildOptions } from "./program";
import { Session } from "./session";
import type { SimBroker } from "./simBroker";

export interface BacktestOptions {
  /** Called every `progressEvery` bars and at the end. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  /** Record the series of indicator and math blocks for the chart. */
  record?: boolean;
  /**
   * The flow's declared bar length. Sharpe and Sortino are always annualised with the candles' own
   * spacing; when it differs from this, the metrics carry a warning.
   */
  timeframeMs?: number;
  /** Precomputed spec hash (saves hashing again). */
  hash?: string;
  /** Outputs of compute nodes already computed over these candles (sweeps share them); see BuildOptions. */
  shared?: BuildOptions["shared"];
}

/** What `simulate` leaves: the broker after the last bar, the equity curve and the run's counts. */
export interface Simulation {
  broker: SimBroker;
  equity: Float64Array;
  series: RecordedSeries[];
  tally: RunTally;
}

/**
 * The bar loop of `backtest` without the metrics: the program run over every candle with the
 * simulated broker. `equity`: a buffer of at least `candles.length` to write the curve into (a sweep
 * reuses one across its runs); its first `candles.length` values are the curve. `keepTrades` false:
 * the broker makes no trade list, only its tally (what `headlineMetrics` needs).
 */
export function simulate(
  spec: StrategySpec,
  candles: Candles,
  settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">,
  opts: BacktestOptions & { equity?: Float64Array; keepTrades?: boolean } = {},
): Simulation {
  const session = new Session(spec, settings, { record: opts.record ?? false, shared: opts.shared, keepTrades: opts.keepTrades });
  const { broker, strategy } = session;
  const { program } = strategy;
  const n = candles.length;
  const equity = opts.equity && opts.equity.length >= n ? opts.equity.subarray(0, n) : new Float64Array(n);
  // The program publishes the charted outputs only when built with `record`.
  const recorders: RecordedSeries[] = program.recorded.map(({ node, port }) => ({ node, port, values: new Float64Array(n) }));
  const { time, open, high, low, close, volume } = candles;
  const cols = new RunColumns(time, open, high, low, close, volume, equity, recorders.map((r) => r.values));
  const tally: RunTally = { inMarket: 0, firstTradable: -1 };
  const every = Math.max(1, opts.progressEvery ?? 65_536);
  // Empty runs first (they change nothing). V8 starts recording type feedback for a function only
  // after its first few calls; without these, the loop is compiled before the code after it (which
  // saves the state) has any, and every chunk drops out of the compiled loop there, again and again.
  for (let k = 0; k < 64; k++) program.run(cols, 0, 0, broker, tally);
  for (let start = 0; start < n; start += every) {
    const end = Math.min(n, start + every);
    program.run(cols, start, end, broker, tally);
    opts.onProgress?.(end, n);
  }
  if (n === 0) opts.onProgress?.(0, 0);
  return { broker, equity, series: recorders, tally };
}

/** Runs a spec over closed candles with the simulated broker. Deterministic: same inputs, same output. */
export function backtest(
  spec: StrategySpec,
  candles: Candles,
  settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">,
  opts: BacktestOptions = {},
): BacktestResult {
  const { broker, equity, series: recorders, tally } = simulate(spec, candles, settings, opts);
  const n = candles.length;
  const { time, close } = candles;

  const last = n - 1;
  const openPosition = n > 0 ? broker.openPosition(time[last]!, close[last]!) : null;
  const metrics = computeMetrics({
    initialCash: settings.initialCash,
    equity,
    time,
    close,
    trades: broker.trades,
    barsInMarket: tally.inMarket,
    fees: broker.totalFees,
    firstTradableBar: Math.max(0, tally.firstTradable),
    timeframeMs: opts.timeframeMs,
  });
  return {
    metrics,
    trades: broker.trades,
    openPosition,
    bars: n,
    specHash: opts.hash ?? specHash(spec),
    equity,
    series: recorders,
  };
}
