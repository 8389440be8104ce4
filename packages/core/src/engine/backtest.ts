import type { StrategySpec } from "../compile/spec";
import { specHash } from "../compile/compile";
import type { Candles } from "../data/candles";
import type { Settings } from "../flow/schema";
import { computeMetrics } from "./metrics";
import type { BacktestResult, RecordedSeries } from "./result";
import type { BuildOptions } from "./program";
import { Session } from "./session";

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

/** Runs a spec over closed candles with the simulated broker. Deterministic: same inputs, same output. */
export function backtest(
  spec: StrategySpec,
  candles: Candles,
  settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">,
  opts: BacktestOptions = {},
): BacktestResult {
  const session = new Session(spec, settings, { record: opts.record ?? false, shared: opts.shared });
  const { broker, strategy } = session;
  const n = candles.length;
  // Columns as locals: one property load per run, not per bar.
  const { time, open, high, low, close, volume } = candles;
  const equity = new Float64Array(n);
  const bar = session.bar;
  // The program publishes the charted outputs only when built with `record`.
  const recorded = strategy.program.recorded;
  const recorders: RecordedSeries[] = recorded.map(({ node, port }) => ({ node, port, values: new Float64Array(n) }));
  const recSlots = recorded.map((r) => r.slot);
  const recValues = recorders.map((r) => r.values);
  const nRec = recorders.length;
  const every = Math.max(1, opts.progressEvery ?? 65_536);
  let inMarket = 0;
  const v = strategy.program.v;
  const warmSlot = strategy.program.warmSlot;
  let firstTradable = warmSlot < 0 ? 0 : -1;

  for (let start = 0; start < n; start += every) {
    const end = Math.min(n, start + every);
    for (let i = start; i < end; i++) {
      const c = close[i]!;
      bar[0] = time[i]!;
      bar[1] = open[i]!;
      bar[2] = high[i]!;
      bar[3] = low[i]!;
      bar[4] = c;
      bar[5] = volume[i]!;
      session.next();
      const q = broker.qty;
      equity[i] = broker.cash + q * c;
      if (q > 0) inMarket++;
      if (firstTradable < 0 && v[warmSlot] === 0) firstTradable = i;
      for (let k = 0; k < nRec; k++) recValues[k]![i] = strategy.value(recSlots[k]!);
    }
    opts.onProgress?.(end, n);
  }
  if (n === 0) opts.onProgress?.(0, 0);

  const last = n - 1;
  const openPosition = n > 0 ? broker.openPosition(time[last]!, close[last]!) : null;
  const metrics = computeMetrics({
    initialCash: settings.initialCash,
    equity,
    time,
    close,
    trades: broker.trades,
    barsInMarket: inMarket,
    fees: broker.totalFees,
    firstTradableBar: Math.max(0, firstTradable),
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
