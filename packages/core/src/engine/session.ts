import type { StrategySpec } from "../compile/spec";
import type { Settings } from "../flow/schema";
import { SimBroker } from "./simBroker";
import { NO_ACTION, Strategy } from "./strategy";

/**
 * A strategy trading against the simulated broker, one closed bar at a time. The backtest is a loop
 * over `step`; a paper bot calls `step` as each live candle closes: the same code, the same trades.
 */
export class Session {
  readonly strategy: Strategy;
  readonly broker: SimBroker;

  constructor(spec: StrategySpec, settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">) {
    this.strategy = new Strategy(spec);
    this.broker = new SimBroker(settings);
  }

  step(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    const broker = this.broker;
    const strategy = this.strategy;
    broker.onBar(time, open, high, low);
    strategy.update(time, open, high, low, close, volume);
    const action = strategy.decide(broker.state());
    if (action !== NO_ACTION) broker.submit(action, strategy.entries, close);
  }
}
