import type { StrategySpec } from "../compile/spec";
import type { Settings } from "../flow/schema";
import { setBar } from "../data/candles";
import { SimBroker } from "./simBroker";
import type { BuildOptions } from "./program";
import { NO_ACTION } from "./position";
import { Strategy } from "./strategy";

/**
 * A strategy trading against the simulated broker, one closed bar at a time. The backtest is a loop
 * over `step`; a paper bot calls `step` as each live candle closes: the same code, the same trades.
 */
export class Session {
  readonly strategy: Strategy;
  readonly broker: SimBroker;

  /** `keepTrades` false: the broker keeps only its trade tally (see SimBroker). */
  constructor(spec: StrategySpec, settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">, opts: BuildOptions & { keepTrades?: boolean } = {}) {
    this.strategy = new Strategy(spec, opts);
    this.broker = new SimBroker(settings, opts.keepTrades ?? true);
    this.bar = this.strategy.bar;
  }

  /** The bar `next` processes; write a closed candle here, then call `next`. */
  readonly bar: Float64Array;

  /** Processes one closed bar. */
  step(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    setBar(this.bar, time, open, high, low, close, volume);
    this.next();
  }

  /** Processes the bar in `bar`: fills what was pending, updates the blocks, decides. */
  next(): void {
    this.fill();
    this.submit(this.decide());
  }

  /** The first half of `next`: fills what was pending at the bar's open, stops and targets inside it. */
  fill(): void {
    this.broker.onBar(this.bar);
  }

  /** The second half of `next`: updates the blocks with the bar and says what the flow wants (NO_ACTION, EXIT or an entry rule's index). */
  decide(): number {
    this.strategy.run();
    return this.strategy.decide(this.broker.state());
  }

  /** Hands a decision to the broker (a portfolio first gives an entry its cash, see portfolio.ts). */
  submit(action: number): void {
    if (action !== NO_ACTION) this.broker.submit(action, this.strategy.entries, this.bar[4]!);
  }
}
