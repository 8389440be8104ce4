import { TIE_REL } from "../catalogue/emit";
import type { Settings } from "../flow/schema";
import { capToMaxPosition, entryQty, hasStops, safetyLevel, safetyQty, scales, stepLevel, stepQty, stopLossLevel, takeProfitLevel, trailFraction, trailingFirst, trailLevel } from "./execution";
import type { EntryRule } from "./program";
import type { TradeTally } from "./metrics";
import type { ExitReason, OpenPosition, Trade } from "./result";
import { EXIT, FLAT, LONG, NO_ACTION, PENDING_ENTRY, type PositionState } from "./position";

/** One fill of the simulated broker, for a paper bot's journal (`SimBroker.onFill`). */
export interface SimFill {
  side: "buy" | "sell";
  /** "entry", "safety-<k>" (safety order k), the exit reason, or "takeProfit-p<k>" (take-profit step k, from 1). */
  intent: string;
  time: number;
  price: number;
  qty: number;
  fee: number;
  /** Sells: the trade row this fill closed. */
  trade: Trade | null;
}

const NONE = 0;
const MARKET_BUY = 1;
const MARKET_SELL = 2;
const LIMIT_BUY = 3;

/**
 * The simulated exchange and portfolio, shared by backtests and paper bots. Orders decided at the
 * close of bar i are filled by `onBar` of bar i+1: market orders at its open (± slippage), limit
 * orders when it trades through the price, stops intrabar against its high/low (a gap fills at the
 * open; when stop and target are both inside one bar, the stop is assumed hit first).
 */
export class SimBroker {
  // Every number field starts as NaN, a double, even those the constructor then sets to a whole
  // number: a field first given one (the cash 10000, the quantity 0) is stored as a small integer,
  // and the first fill storing a fraction changes how every broker stores it — V8 then throws away
  // the compiled code of everything that reads a broker, the backtest loop among them (which could
  // then run slower for the rest of the process, see `Context` in program.ts).
  cash = NaN;
  qty = NaN;
  totalFees = NaN;
  // The open position's; NaN while there is none.
  entryPrice = NaN;
  entryTime = NaN;
  entryFee = NaN;
  /** Highest price since entry, for the trailing stop (updated after each bar's stop check). */
  peak = NaN;
  /** Every trade closed, in order; left empty when built with `keepTrades` false (sweeps). */
  readonly trades: Trade[] = [];
  /** The closed trades' count, wins and gross profit and loss, kept as they close (what a sweep's metrics read). */
  readonly tally: TradeTally = { count: 0, wins: 0, grossWin: 0, grossLoss: 0 };
  /** Called with every fill when set (paper bots journal them; backtests leave it unset). */
  onFill: ((fill: SimFill) => void) | null = null;

  private readonly fee: number;
  private readonly slip: number;
  private stopLoss = NaN;
  private takeProfit = NaN;
  private trailing = NaN;
  /** Whether the open position has any stop or target to watch. */
  private hasStops = false;
  private pending = NONE;
  private pendingRule: EntryRule | null = null;
  private limitPrice = NaN;
  private limitBarsLeft = 0;
  /** Scaling in and out (docs/fills.md): the open position's rule, when it has steps or safety orders. */
  private scaled: EntryRule | null = null;
  /** The position's first fill price (safety order levels hang below it). */
  private firstPrice = NaN;
  /** Safety orders filled (or skipped for want of cash or room) and take-profit steps taken. */
  private safetyDone = 0;
  private stepsDone = 0;
  private stopWhy: ExitReason = "stopLoss";

  /**
   * `keepTrades` false: no Trade row is made for a closing fill (unless `onFill` wants it), only
   * `tally` is kept: a sweep runs thousands of backtests and ranks them by metrics alone.
   */
  constructor(
    settings: Pick<Settings, "initialCash" | "feeRate" | "slippage">,
    private readonly keepTrades = true,
  ) {
    this.cash = settings.initialCash;
    this.qty = 0;
    this.totalFees = 0;
    this.fee = settings.feeRate;
    this.slip = settings.slippage;
  }

  state(): PositionState {
    return this.qty > 0 ? LONG : this.pending === NONE ? FLAT : PENDING_ENTRY;
  }

  /** What the open position cost: quantity × entry price plus the entry fee. */
  costBasis(): number {
    return this.qty * this.entryPrice + this.entryFee;
  }

  /** The open position marked to a price (no exit fee assumed), or null when flat. */
  openPosition(markTime: number, markPrice: number): OpenPosition | null {
    if (!(this.qty > 0)) return null;
    const cost = this.costBasis();
    const pnl = this.qty * markPrice - cost;
    return {
      side: "long",
      entryTime: this.entryTime,
      entryPrice: this.entryPrice,
      qty: this.qty,
      markTime,
      markPrice,
      unrealizedPnl: pnl,
      fees: this.entryFee,
      returnPct: (pnl / cost) * 100,
    };
  }

  /** True when the next bar can change nothing: no order waits and the position (if any) has no stop or target. */
  idle(): boolean {
    return this.pending === NONE && !(this.qty > 0 && this.hasStops);
  }

  /** Accepts the strategy's decision at a bar's close; it is filled from the next bar on. */
  submit(action: number, entries: readonly EntryRule[], close: number): void {
    if (action === NO_ACTION) return;
    if (action === EXIT) {
      if (this.qty > 0) this.pending = MARKET_SELL;
      else if (this.pending === LIMIT_BUY) this.pending = NONE; // sell signal cancels a waiting entry
      return;
    }
    if (this.qty > 0 || this.pending !== NONE) return;
    const rule = entries[action]!;
    this.pendingRule = rule;
    if (rule.type === "market") {
      this.pending = MARKET_BUY;
    } else {
      this.pending = LIMIT_BUY;
      this.limitPrice = close * (1 - rule.offsetPct / 100);
      this.limitBarsLeft = rule.validBars;
    }
  }

  /**
   * Processes one new bar ([time, open, high, low, close, volume]) before the strategy sees its
   * close. The bar comes as an array so that no number is boxed on the way in.
   */
  onBar(bar: Float64Array): void {
    if (this.idle()) return;
    const p = this.pending;
    const time = bar[0]!;
    const open = bar[1]!;
    const low = bar[3]!;
    if (p !== NONE) {
      if (p === MARKET_BUY) {
        this.pending = NONE;
        this.open(time, open * (1 + this.slip), this.pendingRule!);
      } else if (p === MARKET_SELL) {
        this.pending = NONE;
        this.close(time, open * (1 - this.slip), "signal");
        return;
      } else if (p === LIMIT_BUY) {
        const limit = this.limitPrice;
        // By default only a bar that trades *through* the price fills it: a touch may not reach our
        // place in the queue. With `fillOnTouch`, a low at the limit (within rounding noise) fills.
        if (low < limit || (this.pendingRule!.fillOnTouch && limit - low >= -TIE_REL * limit)) {
          this.pending = NONE;
          // A bar opening below the limit fills at the (better) open; otherwise at the limit.
          const fill = open < limit ? open : limit;
          if (this.open(time, fill, this.pendingRule!)) {
            // The bar traded below the fill; if it also reached a stop we cannot know the order of
            // the two, so assume the worse: the stop was hit after the fill. The trailing stop's
            // peak is the fill itself on this bar; the higher of the two stops is met first.
            const sl = this.stopLoss;
            const tr = trailLevel(fill, this.trailing);
            const trailFirst = trailingFirst(sl, tr);
            const stop = trailFirst ? tr : sl;
            if (stop === stop && low <= stop) this.close(time, stop * (1 - this.slip), trailFirst ? "trailingStop" : "stopLoss");
          }
          return;
        }
        if (--this.limitBarsLeft <= 0) this.pending = NONE;
        return;
      }
    }
    if (this.qty > 0 && this.hasStops) {
      if (this.scaled) this.checkScaled(bar, this.scaled);
      else this.checkStops(bar);
    }
  }

  /** The stop level in force (NaN: none), its reason in `stopWhy`: the higher of stop loss and trailing stop. */
  private stopNow(): number {
    const sl = this.stopLoss;
    const tr = trailLevel(this.peak, this.trailing);
    const trailFirst = trailingFirst(sl, tr);
    this.stopWhy = trailFirst ? "trailingStop" : "stopLoss";
    return trailFirst ? tr : sl;
  }

  /**
   * A position that scales in or out, through the bar as open → low → high (the worse order for a
   * long): a gap through the stop stops it at the open; steps and target the open gapped over fill
   * there; on the way down safety orders fill at their levels (a new average moves the stop) until
   * the stop is met; on the way up the steps and then the target fill at their levels.
   */
  private checkScaled(bar: Float64Array, rule: EntryRule): void {
    const time = bar[0]!;
    const open = bar[1]!;
    const high = bar[2]!;
    const low = bar[3]!;
    let stop = this.stopNow();
    if (stop === stop && open <= stop) return this.close(time, open * (1 - this.slip), this.stopWhy);
    if (this.takeProfits(time, open, true, rule)) return;
    const so = rule.safetyOrders;
    while (so !== null && this.safetyDone < so.count) {
      const k = this.safetyDone + 1;
      const level = safetyLevel(rule, this.firstPrice, k);
      // A resting buy: the low must trade through it (as a limit entry's default); the stop, if at or above it, comes first.
      if (!(low < level) || stop >= level) break;
      this.add(time, open < level ? open : level, rule, k);
      stop = this.stopNow();
    }
    if (stop === stop && low <= stop) return this.close(time, stop * (1 - this.slip), this.stopWhy);
    if (this.takeProfits(time, high, false, rule)) return;
    if (high > this.peak) this.peak = high;
  }

  /**
   * Takes the steps and then the target up to `reach`: at the open (`atOpen`: levels the bar gapped
   * over, filled at the open with slippage) or on the way up to the high (at their levels, also one
   * that safety orders moved below the open on the way down); true when the position closed.
   */
  private takeProfits(time: number, reach: number, atOpen: boolean, rule: EntryRule): boolean {
    const tp = this.takeProfit;
    const fill = (level: number) => (atOpen ? reach * (1 - this.slip) : level);
    while (this.stepsDone < rule.takeProfitSteps.length) {
      const level = stepLevel(rule, this.entryPrice, this.stepsDone);
      if (tp <= level || !(reach >= level)) break;
      this.sell(time, fill(level), stepQty(rule, this.qty, this.stepsDone++), "takeProfit", this.stepsDone);
      if (!(this.qty > 0)) return true;
    }
    if (tp === tp && reach >= tp) {
      this.close(time, fill(tp), "takeProfit");
      return true;
    }
    return false;
  }

  /** Safety order `k` fills at `price`: the average entry price, and the levels hung on it, move. */
  private add(time: number, price: number, rule: EntryRule, k: number): void {
    this.safetyDone = k;
    const qty = capToMaxPosition(rule, safetyQty(rule, k, this.cash, price, this.fee), price, this.qty, this.entryPrice);
    if (!(qty > 0)) return;
    const fee = qty * price * this.fee;
    this.cash = Math.max(0, this.cash - qty * price - fee);
    this.onFill?.({ side: "buy", intent: `safety-${k}`, time, price, qty, fee, trade: null });
    this.entryPrice = (this.qty * this.entryPrice + qty * price) / (this.qty + qty);
    this.qty += qty;
    this.entryFee += fee;
    this.totalFees += fee;
    this.stopLoss = stopLossLevel(rule, this.entryPrice);
    this.takeProfit = takeProfitLevel(rule, this.entryPrice);
  }

  private checkStops(bar: Float64Array): void {
    const time = bar[0]!;
    const open = bar[1]!;
    const high = bar[2]!;
    const low = bar[3]!;
    const sl = this.stopLoss;
    const tr = trailLevel(this.peak, this.trailing);
    // The higher of the two stops is the one the price meets first on the way down.
    const trailFirst = trailingFirst(sl, tr);
    const stop = trailFirst ? tr : sl;
    const stopReason: ExitReason = trailFirst ? "trailingStop" : "stopLoss";
    const tp = this.takeProfit;
    if (stop === stop && open <= stop) this.close(time, open * (1 - this.slip), stopReason);
    else if (tp === tp && open >= tp) this.close(time, open * (1 - this.slip), "takeProfit");
    else if (stop === stop && low <= stop) this.close(time, stop * (1 - this.slip), stopReason);
    else if (tp === tp && high >= tp) this.close(time, tp, "takeProfit");
    else if (high > this.peak) this.peak = high;
  }

  /** Buys with the rule's sizing, never spending more than the cash including the fee. */
  private open(time: number, price: number, rule: EntryRule): boolean {
    let qty = entryQty(rule.sizing, this.cash, price, this.fee);
    if (rule.maxPosition !== null) qty = capToMaxPosition(rule, qty, price, 0, 0);
    if (!(qty > 0) || !(price > 0)) return false;
    const value = qty * price;
    const fee = value * this.fee;
    this.cash = Math.max(0, this.cash - value - fee);
    this.onFill?.({ side: "buy", intent: "entry", time, price, qty, fee, trade: null });
    this.qty = qty;
    this.entryPrice = price;
    this.entryTime = time;
    this.entryFee = fee;
    this.totalFees += fee;
    this.peak = price;
    this.stopLoss = stopLossLevel(rule, price);
    this.takeProfit = takeProfitLevel(rule, price);
    this.trailing = trailFraction(rule);
    this.scaled = scales(rule) ? rule : null;
    this.firstPrice = price;
    this.safetyDone = 0;
    this.stepsDone = 0;
    this.hasStops = hasStops(rule) || this.scaled !== null;
    return true;
  }

  private close(time: number, price: number, reason: ExitReason): void {
    this.sell(time, price, this.qty, reason);
  }

  /**
   * Sells `qty` (all of the position at or above it) at `price`: one trade row with that quantity,
   * the average entry price and its share of the entry fees. A part leaves the average unchanged.
   */
  private sell(time: number, price: number, qty: number, reason: ExitReason, step = 0): void {
    const all = !(qty < this.qty);
    if (all) qty = this.qty;
    const value = qty * price;
    const fee = value * this.fee;
    this.cash += value - fee;
    this.totalFees += fee;
    const entryFee = all ? this.entryFee : this.entryFee * (qty / this.qty);
    const cost = qty * this.entryPrice + entryFee;
    const pnl = value - fee - cost;
    // As `winLoss` in metrics.ts counts them, in the same order.
    const tally = this.tally;
    tally.count++;
    if (pnl > 0) {
      tally.wins++;
      tally.grossWin += pnl;
    } else {
      tally.grossLoss -= pnl;
    }
    if (this.keepTrades || this.onFill) {
      const trade: Trade = {
        side: "long",
        entryTime: this.entryTime,
        entryPrice: this.entryPrice,
        exitTime: time,
        exitPrice: price,
        qty,
        pnl,
        fees: entryFee + fee,
        returnPct: (pnl / cost) * 100,
        exitReason: reason,
      };
      if (this.keepTrades) this.trades.push(trade);
      this.onFill?.({ side: "sell", intent: step > 0 ? `${reason}-p${step}` : reason === "signal" ? "exit" : reason, time, price, qty, fee, trade });
    }
    if (!all) {
      this.qty -= qty;
      this.entryFee -= entryFee;
      return;
    }
    this.scaled = null;
    this.qty = 0;
    this.entryFee = 0;
    this.stopLoss = NaN;
    this.takeProfit = NaN;
    this.trailing = NaN;
    this.hasStops = false;
  }
}
