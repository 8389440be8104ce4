// The candles of a bot over several markets: each market's closed candles read from its own feed and
// handed out merged by close time (one timeframe: the same as by open time), the way the portfolio
// backtest walks them. The paper group and the live group both read their markets through it.
//
// The runner drives a group with the candles of its own market, which only keep the time: at each of
// them the group reads every market's candles up to that one and processes all of them in order.
import type { Bar } from "@keyflow/core";
import type { Bot } from "@keyflow/db";

/** Where a group market's candles come from (a CandleFeed of its symbol). */
export interface GroupFeed {
  /** Closed candles with time ≥ since, oldest first. */
  since(since: number): Promise<Bar[]>;
  /** Closed candles in [from, to), oldest first. */
  range(from: number, to: number): Promise<Bar[]>;
  /** The newest `n` closed candles, oldest first. */
  latest(n: number): Promise<Bar[]>;
}

/** The candles of every market closing at one time (markets in ascending index order). */
export interface GroupClose {
  time: number;
  markets: number[];
  bars: Bar[];
}

export class GroupCandles {
  /** Candles read but not yet handed out, per market, oldest first. */
  private readonly pending: Bar[][];
  /** Open time of the newest candle read, per market (null: none yet). */
  private readonly seen: (number | null)[];

  constructor(
    private readonly feeds: readonly GroupFeed[],
    private readonly tf: number,
  ) {
    this.pending = feeds.map(() => []);
    this.seen = feeds.map(() => null);
  }

  /** Reads every market's history: the warm-up window (first start), or the warm-up and every candle since the start (restart). */
  async history(bot: Pick<Bot, "warmupBars" | "startBarTime" | "lastBarTime">): Promise<void> {
    const { warmupBars, startBarTime, lastBarTime } = bot;
    for (let m = 0; m < this.feeds.length; m++) {
      const feed = this.feeds[m]!;
      this.take(m, startBarTime === null || lastBarTime === null ? await feed.latest(warmupBars) : await feed.range(startBarTime - warmupBars * this.tf, lastBarTime + this.tf));
    }
  }

  /** Reads every market's candles newer than the ones it has (a market that has the runner's candle `time` already is not asked). */
  async readUpTo(time: number): Promise<void> {
    for (let m = 0; m < this.feeds.length; m++) {
      const seen = this.seen[m] ?? null;
      if (seen !== null && seen >= time) continue;
      this.take(m, await this.feeds[m]!.since(seen === null ? time : seen + this.tf));
    }
  }

  /** Hands every queued candle opening at or before `upTo` to `each`, market by market (the warm-up: indicators only, so the order across markets does not matter). */
  drain(upTo: number, each: (m: number, bar: Bar) => void): void {
    for (let m = 0; m < this.pending.length; m++) {
      const queue = this.pending[m]!;
      while (queue.length > 0 && queue[0]!.time <= upTo) each(m, queue.shift()!);
    }
  }

  /** The next close among the queued candles opening at or before `upTo`, taken off the queues; null when none is left. */
  next(upTo: number): GroupClose | null {
    const close = this.peek(upTo);
    if (close) this.consume(close);
    return close;
  }

  /** The next close, left on the queues until `consume` (a live group retries a close whose orders failed). */
  peek(upTo: number): GroupClose | null {
    let t = Infinity;
    for (const queue of this.pending) {
      const head = queue[0];
      if (head && head.time <= upTo && head.time < t) t = head.time;
    }
    if (t === Infinity) return null;
    const close: GroupClose = { time: t, markets: [], bars: [] };
    this.pending.forEach((queue, m) => {
      if (queue[0]?.time !== t) return;
      close.markets.push(m);
      close.bars.push(queue[0]!);
    });
    return close;
  }

  /** Takes a close returned by `peek` off the queues. */
  consume(close: GroupClose): void {
    for (const m of close.markets) if (this.pending[m]![0]?.time === close.time) this.pending[m]!.shift();
  }

  /** Queues a market's candles newer than the ones it has. */
  private take(m: number, bars: readonly Bar[]): void {
    for (const b of bars) {
      const seen = this.seen[m] ?? null;
      if (seen !== null && b.time <= seen) continue;
      this.pending[m]!.push(b);
      this.seen[m] = b.time;
    }
  }
}
