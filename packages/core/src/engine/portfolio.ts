/**
 * One flow over several markets on one shared cash balance, in time order.
 *
 * Each market has its own `Strategy` (the flow's blocks on that market's candles) and its own
 * `SimBroker`, which holds cash only while it holds a position: the portfolio keeps the free cash.
 * The bars of all markets are merged by close time. For each close time t, over the markets whose
 * bar closes at t:
 *
 * 1. Fills first, every market: what was decided at the previous close fills at this bar's open
 *    (stops and targets inside the bar), exactly as in a single-market backtest. A market that is
 *    flat afterwards (its exit filled, its limit entry expired) gives all its cash back to the
 *    free cash and frees its slot.
 * 2. Then decisions, in the portfolio's market order (the order of `symbols`; stored series added
 *    by quote currency follow, by symbol). An entry takes a slot if fewer than `maxOpenPositions`
 *    markets hold or await a position, and is given min(budget per position, free cash) from the
 *    free cash, reserved until the position closes; the flow's sizing then applies to that stake
 *    (100 % of equity = the whole stake). With no free slot or no free cash the entry is skipped
 *    (counted per market). Exits are submitted as always; a sell signal that cancels a waiting entry
 *    frees its slot at once.
 *
 * So a market's trades are those of the single-market backtest whose cash is its stake, and when the
 * markets never compete (enough slots and cash, sizing not above the stake) the portfolio's trades
 * are exactly the single-market backtests' trades, and its equity the sum of theirs.
 *
 * Pure: no I/O, no clock. `PortfolioSession` is stepped one close time at a time — by
 * `portfolioBacktest` over stored candles, and by a paper bot group as live candles close.
 */
import type { StrategySpec } from "../compile/spec";
import { specHash } from "../compile/compile";
import { setBar, type Candles } from "../data/candles";
import type { FlowGraph, Market, Settings } from "../flow/schema";
import { medianSpacingMs } from "./barSpacing";
import { computeMetrics } from "./metrics";
import { FLAT, NO_ACTION } from "./position";
import type { Metrics, OpenPosition, Trade } from "./result";
import { Session } from "./session";

export interface PortfolioRules {
  maxOpenPositions: number;
  /** Cash given to each new position; default initial cash ÷ max open positions. */
  budgetPerPosition?: number;
}

/** The per-market state a portfolio reports. */
export interface MarketOutcome {
  symbol: string;
  trades: Trade[];
  openPosition: OpenPosition | null;
  /** Bars of this market processed. */
  bars: number;
  fees: number;
  /** Sum of the closed trades' pnl (fees included). */
  pnl: number;
  /** Entries the flow signalled while no slot or no cash was free. */
  skippedEntries: number;
}

/** Most positions open at once (at least one). */
export const maxOpenOf = (rules: Pick<PortfolioRules, "maxOpenPositions">): number => Math.max(1, Math.floor(rules.maxOpenPositions));

/** The cash each new position is given: `budgetPerPosition`, or the initial cash shared by the slots. */
export function positionBudget(initialCash: number, rules: Pick<PortfolioRules, "maxOpenPositions" | "budgetPerPosition">): number {
  return rules.budgetPerPosition ?? initialCash / maxOpenOf(rules);
}

/**
 * The cash an entry signal's new position is given: min(budget per position, free cash), or 0 when
 * no slot is free (`open` markets hold or await a position, of `maxOpen`) or no cash is (the entry is
 * skipped). The one admission rule of the portfolio backtest, the paper group and the live group.
 */
export function entryStake(open: number, maxOpen: number, free: number, budget: number): number {
  return open >= maxOpen || !(free > 0) ? 0 : Math.min(budget, free);
}

export class PortfolioSession {
  readonly sessions: Session[];
  /** Cash not given to any position. */
  free: number;
  readonly budget: number;
  readonly maxOpen: number;
  /** Markets holding a stake (an open position or an entry waiting to fill). */
  openCount = 0;
  readonly skipped: number[];
  readonly lastClose: Float64Array;
  readonly barsSeen: Int32Array;
  private readonly staked: boolean[];

  constructor(
    spec: StrategySpec,
    readonly symbols: readonly string[],
    settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">,
    rules: PortfolioRules,
  ) {
    const n = symbols.length;
    this.sessions = symbols.map(() => new Session(spec, { ...settings, initialCash: 0 }));
    this.free = settings.initialCash;
    this.maxOpen = maxOpenOf(rules);
    this.budget = positionBudget(settings.initialCash, rules);
    this.skipped = new Array<number>(n).fill(0);
    this.lastClose = new Float64Array(n).fill(NaN);
    this.barsSeen = new Int32Array(n);
    this.staked = new Array<boolean>(n).fill(false);
  }

  /** Writes market `m`'s closed candle; `step` then processes it. */
  setBar(m: number, time: number, open: number, high: number, low: number, close: number, volume: number): void {
    setBar(this.sessions[m]!.bar, time, open, high, low, close, volume);
  }

  /** Processes the bars written for `markets` (ascending indices), which close at the same time. */
  step(markets: readonly number[]): void {
    for (const m of markets) {
      const session = this.sessions[m]!;
      session.fill();
      this.lastClose[m] = session.bar[4]!;
      this.barsSeen[m]!++;
      this.release(m);
    }
    for (const m of markets) {
      const session = this.sessions[m]!;
      const { broker } = session;
      const action = session.decide();
      if (action === NO_ACTION) continue;
      if (action >= 0 && broker.state() === FLAT) {
        const stake = entryStake(this.openCount, this.maxOpen, this.free, this.budget);
        if (stake === 0) {
          this.skipped[m]!++;
          continue;
        }
        this.free -= stake;
        broker.cash += stake;
        this.staked[m] = true;
        this.openCount++;
      }
      session.submit(action);
      // A sell signal that cancelled a waiting entry frees its slot at once.
      this.release(m);
    }
  }

  /** Free cash plus every market's cash and position marked to its last close. */
  equity(): number {
    let e = this.free;
    for (let m = 0; m < this.sessions.length; m++) {
      const b = this.sessions[m]!.broker;
      e += b.cash + (b.qty > 0 ? b.qty * this.lastClose[m]! : 0);
    }
    return e;
  }

  /** Whether any market holds a position. */
  inMarket(): boolean {
    return this.sessions.some((s) => s.broker.qty > 0);
  }

  /** Each market's trades, open position (marked to its last close at `markTime[m]`) and counts. */
  outcomes(markTime: ArrayLike<number>): MarketOutcome[] {
    return this.sessions.map(({ broker }, m) => ({
      symbol: this.symbols[m]!,
      trades: broker.trades,
      openPosition: this.barsSeen[m]! > 0 ? broker.openPosition(markTime[m]!, this.lastClose[m]!) : null,
      bars: this.barsSeen[m]!,
      fees: broker.totalFees,
      pnl: broker.trades.reduce((s, t) => s + t.pnl, 0),
      skippedEntries: this.skipped[m]!,
    }));
  }

  /** A flat market hands its cash back to the free cash. */
  private release(m: number): void {
    if (!this.staked[m]) return;
    const broker = this.sessions[m]!.broker;
    if (broker.state() !== FLAT) return;
    this.free += broker.cash;
    broker.cash = 0;
    this.staked[m] = false;
    this.openCount--;
  }
}

export interface PortfolioMarket {
  symbol: string;
  candles: Candles;
}

export interface PortfolioResult {
  /** Over the merged bars: trades of all markets (by exit time), the portfolio's equity curve. */
  metrics: Metrics;
  markets: MarketOutcome[];
  /** Open time of each merged bar (bars of all markets that close together share one point) and the equity after it. */
  equity: { time: Float64Array; value: Float64Array };
  bars: number;
  specHash: string;
  budgetPerPosition: number;
  maxOpenPositions: number;
}

/**
 * Backtests `spec` over `markets` as one portfolio (see the top of this file). `timeframeMs` is the
 * flow's bar length (bars close at open + timeframe); default the first market's candle spacing.
 */
export function portfolioBacktest(
  spec: StrategySpec,
  markets: readonly PortfolioMarket[],
  settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">,
  rules: PortfolioRules,
  opts: {
    timeframeMs?: number;
    hash?: string;
    /** Called with the candles processed (of all markets) and their total, about every `progressEvery` merged bars. */
    onProgress?: (done: number, total: number) => void;
    progressEvery?: number;
  } = {},
): PortfolioResult {
  const n = markets.length;
  const session = new PortfolioSession(
    spec,
    markets.map((m) => m.symbol),
    settings,
    rules,
  );
  const tf = opts.timeframeMs ?? (n > 0 ? medianSpacingMs(markets[0]!.candles.time) : 0);
  const at = new Int32Array(n);
  const first = markets.map((m) => (m.candles.length > 0 ? m.candles.close[0]! : NaN));
  const total = markets.reduce((s, m) => s + m.candles.length, 0);
  const time = new Float64Array(total);
  const value = new Float64Array(total);
  const index = new Float64Array(total);
  const closing: number[] = [];
  let bars = 0;
  let inMarket = 0;
  let done = 0;
  const every = Math.max(1, opts.progressEvery ?? 16_384);
  for (;;) {
    let t = Infinity;
    for (let m = 0; m < n; m++) {
      const c = markets[m]!.candles;
      if (at[m]! < c.length) t = Math.min(t, c.time[at[m]!]! + tf);
    }
    if (t === Infinity) break;
    closing.length = 0;
    for (let m = 0; m < n; m++) {
      const c = markets[m]!.candles;
      const k = at[m]!;
      if (k < c.length && c.time[k]! + tf === t) {
        session.setBar(m, c.time[k]!, c.open[k]!, c.high[k]!, c.low[k]!, c.close[k]!, c.volume[k]!);
        closing.push(m);
        at[m] = k + 1;
      }
    }
    session.step(closing);
    done += closing.length;
    time[bars] = t - tf;
    value[bars] = session.equity();
    // Buy and hold of the markets in equal parts: the mean of each close over its first close.
    let sum = 0;
    for (let m = 0; m < n; m++) sum += session.lastClose[m]! === session.lastClose[m]! ? session.lastClose[m]! / first[m]! : 1;
    index[bars] = sum / n;
    if (session.inMarket()) inMarket++;
    bars++;
    if (opts.onProgress && bars % every === 0) opts.onProgress(done, total);
  }
  opts.onProgress?.(done, total);
  const equity = value.subarray(0, bars);
  const times = time.subarray(0, bars);
  const outcomes = session.outcomes(markets.map((m) => (m.candles.length > 0 ? m.candles.time[m.candles.length - 1]! : 0)));
  const trades = outcomes.flatMap((o) => o.trades).sort((a, b) => a.exitTime - b.exitTime || a.entryTime - b.entryTime);
  const metrics = computeMetrics({
    initialCash: settings.initialCash,
    equity,
    time: times,
    close: index.subarray(0, bars),
    trades,
    barsInMarket: inMarket,
    fees: outcomes.reduce((s, o) => s + o.fees, 0),
    firstTradableBar: 0,
    timeframeMs: opts.timeframeMs,
  });
  return {
    metrics,
    markets: outcomes,
    equity: { time: times, value: equity },
    bars,
    specHash: opts.hash ?? specHash(spec),
    budgetPerPosition: session.budget,
    maxOpenPositions: session.maxOpen,
  };
}

/**
 * The markets a portfolio flow trades, in their slot order: the listed symbols, then every stored
 * series of the flow's exchange and timeframe quoted in `allStoredQuote` (by symbol) not listed.
 */
export function portfolioSymbols(flow: Pick<FlowGraph, "market" | "portfolio">, stored: readonly Market[]): string[] {
  const p = flow.portfolio;
  if (!p) return [flow.market.symbol];
  const out = [...new Set(p.symbols)];
  if (p.allStoredQuote !== undefined) {
    const quote = p.allStoredQuote.toUpperCase();
    const more = stored
      .filter((s) => s.exchange === flow.market.exchange && s.timeframe === flow.market.timeframe && s.symbol.split(":")[0]!.split("/")[1]?.toUpperCase() === quote)
      .map((s) => s.symbol)
      .sort();
    for (const s of more) if (!out.includes(s)) out.push(s);
  }
  return out.length > 0 ? out : [flow.market.symbol];
}
