// The one interface a bot's loop drives: the paper trader (the backtest's simulated broker) and the
// live trader (orders on the exchange) both implement it, so runner.ts never asks which one it has.
import type { Bar } from "@keyflow/core";
import type { Bot, BotBook, DeliveryChannel } from "@keyflow/db";

export interface Trader {
  /** The bot's position, cash and profit as this trader knows them now. */
  readonly book: BotBook;
  /** Before anything else: live reconciles its journal with the exchange; paper has nothing to do. */
  prepare(): Promise<void>;
  /** A warm-up candle: indicators only, never an order (a bot starts flat). */
  warm(bar: Bar): void;
  /** A candle since the bot's start, replayed on resume to rebuild its state (paper refills its simulated broker). */
  replay(bar: Bar): void;
  /** After the replay: `mark` is the last replayed candle; returns words for the resume log line. */
  resumed(mark: Bar | null): string;
  /** The newest closed candle the exchange has (fills seen now belong to it or earlier). */
  setLatestClosed(t: number | null): void;
  /** Each poll, with the bot's row read for it: follows working orders, acts on a close request. */
  poll(bot: Bot): Promise<void>;
  /** One closed candle, with the bot's row read for it; `latest` is false while catching up on candles missed during downtime. */
  step(bar: Bar, latest: boolean, bot: Bot): Promise<void>;
  /** What told the bot of what it is about to process (a stream message or a poll); fills recorded meanwhile carry it. */
  channel: DeliveryChannel;
  /** The bot was stopped: cancels its working orders; returns how many. */
  cancelAll(why: string): Promise<number>;
}
