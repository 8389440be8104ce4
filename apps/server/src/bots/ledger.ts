// A bot's position, cash and profit, folded from its fills: the same arithmetic for paper and live.
import type { ExitReason, Trade } from "@keyflow/core";
import type { BotBook } from "@keyflow/db";

export interface FillLike {
  clientOrderId: string;
  side: "buy" | "sell";
  price: number;
  amount: number;
  /** price × amount in quote. */
  cost: number;
  fee: number;
  feeCurrency: string;
  barTime: number;
  realizedPnl?: number | null;
}

export interface Assets {
  base: string;
  quote: string;
}

/** The fee in quote; fees in a third currency (e.g. BNB) are not valued (0). */
export function feeInQuote(f: FillLike, a: Assets): number {
  if (f.fee === 0) return 0;
  if (f.feeCurrency === a.quote) return f.fee;
  if (f.feeCurrency === a.base) return f.fee * f.price;
  return 0;
}

export function emptyBook(initialCash: number): BotBook {
  return {
    qty: 0,
    cash: initialCash,
    avgEntryPrice: 0,
    entryTime: null,
    markPrice: null,
    markTime: null,
    realizedPnl: 0,
    fees: 0,
    peak: 0,
    costBasis: 0,
    entryRule: null,
    exitWanted: null,
    exitAttempts: 0,
    dust: 0,
  };
}

/**
 * Running totals over fills. A position is "open" while more than `dust` base is held; selling it
 * down to dust closes the round trip (exchanges round sells down to their step, leaving dust).
 */
export class Ledger {
  qty = 0;
  cash: number;
  realized = 0;
  fees = 0;
  /** Quote spent on the open position, fees included (the cost basis for realized PnL). */
  costBasis = 0;
  entryNotional = 0;
  entryQty = 0;
  entryTime: number | null = null;
  /** The open position's first fill price (safety orders hang below it). */
  firstPrice = 0;

  constructor(
    initialCash: number,
    private readonly assets: Assets,
    private readonly dust = 0,
  ) {
    this.cash = initialCash;
  }

  get open(): boolean {
    return this.qty > this.dust;
  }

  /** Applies one fill; returns its realized profit for sells (null for buys). */
  apply(f: FillLike): number | null {
    const { base, quote } = this.assets;
    const feeQ = feeInQuote(f, this.assets);
    this.fees += feeQ;
    if (f.side === "buy") {
      if (!this.open) {
        this.entryNotional = 0;
        this.entryQty = 0;
        this.entryTime = f.barTime;
        this.costBasis = 0;
        this.firstPrice = f.price;
      }
      this.qty += f.amount - (f.feeCurrency === base ? f.fee : 0);
      this.cash -= f.cost + (f.feeCurrency === quote ? f.fee : 0);
      // A fee taken in base is paid by holding less (and so selling less later); only quote fees add to the cost.
      this.costBasis += f.cost + (f.feeCurrency === quote ? f.fee : 0);
      this.entryNotional += f.cost;
      this.entryQty += f.amount;
      return null;
    }
    const held = this.qty;
    // A fee taken in base leaves the holdings with the sold amount (its cost basis leaves with it, below).
    const proceeds = f.cost - (f.feeCurrency === quote ? f.fee : 0);
    const share = held > 0 ? Math.min(1, (f.amount + (f.feeCurrency === base ? f.fee : 0)) / held) : 1;
    const basisOut = this.costBasis * share;
    const pnl = f.realizedPnl ?? proceeds - basisOut;
    this.realized += pnl;
    this.costBasis -= basisOut;
    // What is left keeps its average entry price (a part sold, docs/fills.md): a later buy averages with it alone.
    this.entryNotional *= 1 - share;
    this.entryQty *= 1 - share;
    this.qty = held - f.amount - (f.feeCurrency === base ? f.fee : 0);
    this.cash += proceeds;
    if (!this.open) this.costBasis = 0;
    return pnl;
  }

  book(prev: BotBook): BotBook {
    return {
      ...prev,
      qty: this.qty,
      cash: this.cash,
      avgEntryPrice: this.open && this.entryQty > 0 ? this.entryNotional / this.entryQty : 0,
      entryTime: this.open ? this.entryTime : null,
      realizedPnl: this.realized,
      fees: this.fees,
      peak: this.open ? prev.peak : 0,
      costBasis: this.open ? this.costBasis : 0,
      entryRule: this.open ? prev.entryRule : null,
      exitWanted: this.open ? prev.exitWanted : null,
      exitAttempts: this.open ? prev.exitAttempts : 0,
    };
  }
}

export function ledgerFromFills(fills: readonly FillLike[], initialCash: number, assets: Assets, dust = 0): Ledger {
  const l = new Ledger(initialCash, assets, dust);
  for (const f of fills) l.apply(f);
  return l;
}

const EXIT_REASONS: readonly ExitReason[] = ["signal", "stopLoss", "takeProfit", "trailingStop"];

/** The intent prefix of a protective order resting on the exchange: `rest-<stopLoss|trailingStop|takeProfit>-<n>`. */
export const RESTING = "rest-";

/** What an order's intent stands for: "stopLoss-r2" → "stopLoss", "rest-trailingStop-3" → "trailingStop", "takeProfit-p1" (a take-profit step) → "takeProfit", "exit-downtime" stays. */
export function intentReason(intent: string): string {
  const base = intent.replace(/-r\d+$/, "").replace(/-p\d+$/, "");
  const m = /^rest-(stopLoss|trailingStop|takeProfit)-\d+$/.exec(base);
  return m ? m[1]! : base;
}

/** "exit" → signal; "stopLoss-r2" → stopLoss; a resting stop's fill → its stop. */
export function exitReasonOf(intent: string | undefined): ExitReason {
  const base = intentReason(intent ?? "exit");
  return (EXIT_REASONS as readonly string[]).includes(base) ? (base as ExitReason) : "signal";
}

/** Whether an intent is a take-profit step (a partial exit: its own trade row, docs/fills.md). */
export const isStepIntent = (intent: string | undefined): boolean => intent !== undefined && /-p\d+(?:-r\d+)?$/.test(intent);

/**
 * Closed round trips from fills, shaped like the backtest's trades. With one fill per side (paper,
 * or a live order filled at once) prices and quantity are the fills' own numbers, so a paper bot's
 * trades compare exactly with the backtest's. A take-profit step is a row of its own, with the
 * quantity it sold, the average entry price and its share of the entry fees (as the simulated broker).
 */
export function roundTrips(fills: readonly FillLike[], assets: Assets, intentOf: (clientOrderId: string) => string | undefined, dust = 0): Trade[] {
  const trades: Trade[] = [];
  const l = new Ledger(0, assets, dust);
  let buys: FillLike[] = [];
  let sells: FillLike[] = [];
  let pnl = 0;
  let entryFees = 0;
  /** Cash spent on entry besides the price: quote fees only (a base fee is paid by holding less). */
  let entryQuoteFees = 0;
  let exitFees = 0;
  /** Scaled round trips (a step sold part): what is left of the entry fees, the quote cost of the rows' share, and whether a row was written. */
  let entryFeesLeft = 0;
  let basisOut = 0;
  let rowEntryFees = 0;
  let parted = false;
  for (let i = 0; i < fills.length; i++) {
    const f = fills[i]!;
    const wasOpen = l.open;
    if (f.side === "buy" && !wasOpen) {
      buys = [];
      sells = [];
      pnl = 0;
      entryFees = 0;
      entryQuoteFees = 0;
      exitFees = 0;
      entryFeesLeft = 0;
      basisOut = 0;
      rowEntryFees = 0;
      parted = false;
    }
    if (f.side === "sell" && !wasOpen) {
      l.apply(f);
      continue;
    }
    const heldBefore = l.qty;
    const basisBefore = l.costBasis;
    const avgBefore = l.entryQty > 0 ? l.entryNotional / l.entryQty : 0;
    const realized = l.apply(f);
    if (f.side === "buy") {
      buys.push(f);
      entryFees += feeInQuote(f, assets);
      entryFeesLeft += feeInQuote(f, assets);
      if (f.feeCurrency === assets.quote) entryQuoteFees += f.fee;
      continue;
    }
    sells.push(f);
    pnl += realized ?? 0;
    exitFees += feeInQuote(f, assets);
    const share = heldBefore > 0 ? Math.min(1, f.amount / heldBefore) : 1;
    const feeShare = l.open ? entryFeesLeft * share : entryFeesLeft;
    entryFeesLeft -= feeShare;
    rowEntryFees += feeShare;
    basisOut += basisBefore - (l.open ? l.costBasis : 0);
    const next = fills[i + 1];
    const step = isStepIntent(intentOf(f.clientOrderId)) && (next === undefined || next.clientOrderId !== f.clientOrderId);
    if (l.open && !step) continue;
    if (step || parted) {
      // A row per exit: this one's quantity, the average entry so far, its share of the entry fees.
      const sold = sells.reduce((s, x) => s + x.amount, 0);
      const last = sells[sells.length - 1]!;
      trades.push({
        side: "long",
        entryTime: buys[0]!.barTime,
        entryPrice: buys.length === 1 ? buys[0]!.price : avgBefore,
        exitTime: last.barTime,
        exitPrice: sells.length === 1 ? last.price : sells.reduce((s, x) => s + x.cost, 0) / sold,
        qty: sold,
        pnl,
        fees: rowEntryFees + exitFees,
        returnPct: (pnl / basisOut) * 100,
        exitReason: exitReasonOf(intentOf(last.clientOrderId)),
      });
      parted = l.open;
      sells = [];
      pnl = 0;
      exitFees = 0;
      basisOut = 0;
      rowEntryFees = 0;
      continue;
    }
    const entryCost = buys.reduce((s, b) => s + b.cost, 0);
    const qty = buys.length === 1 ? buys[0]!.amount : buys.reduce((s, b) => s + b.amount, 0);
    const exitQty = sells.reduce((s, x) => s + x.amount, 0);
    const last = sells[sells.length - 1]!;
    trades.push({
      side: "long",
      entryTime: buys[0]!.barTime,
      entryPrice: buys.length === 1 ? buys[0]!.price : entryCost / qty,
      exitTime: last.barTime,
      exitPrice: sells.length === 1 ? last.price : sells.reduce((s, x) => s + x.cost, 0) / exitQty,
      qty,
      pnl,
      fees: entryFees + exitFees,
      returnPct: (pnl / (entryCost + entryQuoteFees)) * 100,
      exitReason: exitReasonOf(intentOf(last.clientOrderId)),
    });
  }
  return trades;
}
