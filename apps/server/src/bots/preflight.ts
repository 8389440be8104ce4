// Pre-flight of a live bot, before its deploy and at every start: what the exchange says about the
// account and the market, checked against the bot's budget, limits and sizing. Each refusal says
// what to change; the numbers are shown in the review step and the CLI.
import { getBlock, hasStops, scales, type EntryRule, type WarmupNeed } from "@keyflow/core";
import type { BotRiskLimits, ExchangeKey } from "@keyflow/db";
import { OrderGateway, Retrier, stopSupport, type BanBook } from "@keyflow/exchange";
import { connectExchange } from "../keys/connect";
import type { ExchangeSettings } from "../keys/exchangeSettings";
import type { KeyService } from "../keys/keyService";
import type { ProbationTerms } from "./probation";
import { assetsOfSymbol } from "./views";

/** A key older than this gets a rotation reminder. */
const KEY_ROTATION_DAYS = 90;

export interface PreflightNumbers {
  quote: string;
  budget: number;
  /** Free quote balance on the account now. */
  freeQuote: number;
  /** Value of the bot's first entry at its budget (quote), per entry rule; null when sized in base units. */
  firstOrderValues: (number | null)[];
  maxOrderValue: number | null;
  /** Probation: the cap on each entry (quote) and its terms; null when the bot trades full size. */
  probation: (ProbationTerms & { cap: number }) | null;
  /** The market's smallest order: amount (base) and value (quote); null when the exchange does not say. */
  minAmount: number | null;
  minOrderValue: number | null;
  amountStep: number | null;
  priceStep: number | null;
  /** A bot over several markets: each market's smallest order and fee (the fields above are its first market's). */
  markets?: MarketFacts[];
  /** The exchange's taker fee for this market, and the fee the flow's backtest assumes. */
  takerFee: number | null;
  flowFee: number;
  keyAgeDays: number;
  /** Candles the bot warms up on, and what its recursive indicators need (0: none). */
  warmupBars: number;
  warmupNeeded: number;
  /** Which protective orders the exchange holds for this market: "oco" (stop loss and take profit as one list), "stop" (a stop-market order), null (stops checked on closed candles). */
  restingStops: "oco" | "stop" | null;
}

export interface Preflight {
  ok: boolean;
  refusals: string[];
  warnings: string[];
  numbers: PreflightNumbers;
}

export interface PreflightInput {
  key: ExchangeKey;
  symbol: string;
  /** The bot's budget (its limits are judged against it). */
  budget: number;
  /** Quote the bot may still spend: the budget at deploy, its cash at a restart. */
  cashNeeded: number;
  feeRate: number;
  risk: BotRiskLimits;
  entries: readonly EntryRule[];
  /** The probation the bot starts (or still is) under; null for none. */
  probation: ProbationTerms | null;
  /** The bot's warm-up length and what the flow's recursive indicators need (`warmupNeed`). */
  warmupBars: number;
  warmup: WarmupNeed;
  /**
   * A bot over several markets (`flow.portfolio`): its markets, and the cash one position is given
   * (`budgetPerPosition`, docs/portfolio.md). Its entries are sized on that stake; the budget is the
   * group's shared cash. `symbol` is then the first market.
   */
  group?: { symbols: readonly string[]; stake: number };
}

/** One market of a group as the exchange describes it. */
export type MarketFacts = { symbol: string } & Pick<PreflightNumbers, "minAmount" | "minOrderValue" | "amountStep" | "priceStep" | "takerFee" | "restingStops">;

const n = (x: number, d = 2) => x.toLocaleString("en", { maximumFractionDigits: d });

/** Checks with the exchange (balance, market limits, fees) and judges; throws only what the exchange threw. */
export async function preflight(settings: ExchangeSettings, keys: KeyService, bans: BanBook, input: PreflightInput, now = Date.now()): Promise<Preflight> {
  const { key, symbol } = input;
  const ex = connectExchange(settings, key.exchange, { credentials: keys.credentials(key.id), keyId: key.id, bans, testnet: key.testnet });
  try {
    const gateway = new OrderGateway(ex, new Retrier({ maxAttempts: 3, baseDelayMs: 300 }));
    const markets = await gateway.loadMarkets();
    const { quote } = assetsOfSymbol(symbol);
    const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : null);
    const missing = (input.group?.symbols ?? [symbol]).filter((s) => !markets[s]);
    if (missing.length > 0) {
      const none = { quote, freeQuote: 0, minAmount: null, minOrderValue: null, amountStep: null, priceStep: null, takerFee: null, restingStops: null };
      return judge(input, now, none, [`${key.exchange} has no market ${missing.join(", ")}: pick ${missing.length > 1 ? "symbols" : "a symbol"} the exchange lists.`]);
    }
    const factsOf = (s: string): MarketFacts => {
      const market = markets[s]!;
      return {
        symbol: s,
        minAmount: num(market.limits?.amount?.min),
        minOrderValue: num(market.limits?.cost?.min),
        amountStep: num(market.precision?.amount),
        priceStep: num(market.precision?.price),
        takerFee: num(market.taker),
        restingStops: stopSupport(ex, market),
      };
    };
    const balance = await gateway.fetchBalance();
    const q = markets[symbol]!.quote ?? quote;
    const account = { quote: q, freeQuote: balance.free[q] ?? 0 };
    if (input.group) return judgeGroup(input, now, account, input.group.symbols.map(factsOf));
    const { symbol: _s, ...facts } = factsOf(symbol);
    return judge(input, now, { ...account, ...facts });
  } finally {
    await ex.close().catch(() => undefined);
  }
}

type ExchangeFacts = Pick<PreflightNumbers, "quote" | "freeQuote" | "minAmount" | "minOrderValue" | "amountStep" | "priceStep" | "takerFee" | "restingStops">;

/**
 * A group's judgement: the account against the group's shared budget once, and each market's
 * smallest order, amount and fee against entries sized on the stake one position is given.
 */
export function judgeGroup(input: PreflightInput, now: number, account: Pick<ExchangeFacts, "quote" | "freeQuote">, markets: readonly MarketFacts[]): Preflight {
  const [first, ...rest] = markets;
  if (!first) throw new Error("judgeGroup: a group has at least one market");
  const { symbol: _f, ...firstFacts } = first;
  const pf = judge({ ...input, symbol: first.symbol }, now, { ...account, ...firstFacts });
  for (const m of rest) {
    const { symbol, ...facts } = m;
    const other = judge({ ...input, symbol }, now, { ...account, ...facts });
    for (const r of other.refusals) if (!pf.refusals.includes(r)) pf.refusals.push(r);
    for (const w of other.warnings) if (!pf.warnings.includes(w)) pf.warnings.push(w);
  }
  return { ...pf, ok: pf.refusals.length === 0, numbers: { ...pf.numbers, markets: [...markets] } };
}

/** The judgement itself, a pure function of the bot's settings and the exchange's facts. */
export function judge(input: PreflightInput, now: number, facts: ExchangeFacts, refusals: string[] = []): Preflight {
  const { budget, cashNeeded, risk, entries, key, feeRate } = input;
  // In a group an entry is sized on the stake its position is given, not on the shared budget.
  const stake = input.group ? Math.min(input.group.stake, budget) : budget;
  const { quote, freeQuote, minOrderValue, minAmount, takerFee } = facts;
  const warnings: string[] = [];
  // A group's cap is a fraction of the stake each position is given (docs/portfolio.md).
  const probation = input.probation ? { ...input.probation, cap: input.probation.fraction * stake } : null;
  const full = entries.map((e) => (e.sizing.mode === "percentEquity" ? (stake * Math.min(e.sizing.value, 100)) / 100 : e.sizing.mode === "quote" ? Math.min(e.sizing.value, stake) : null));
  // Under probation the first entries are sized down to the cap.
  const firstOrderValues = full.map((v) => (v !== null && probation ? Math.min(v, probation.cap) : v));
  if (probation) {
    warnings.push(
      `Starting small: each entry is capped at ${n(probation.fraction * 100)} % of the ${input.group ? "budget per position" : "budget"} (${n(probation.cap)} ${quote}) until you lift the cap; Keyflow asks you after ${probation.trades} closed trades or ${n(probation.days, 1)} days, showing the bot's live results.`,
    );
  }
  if (cashNeeded > freeQuote) {
    refusals.push(
      cashNeeded === budget
        ? `The budget (${n(budget)} ${quote}) is above the free ${quote} balance on ${key.exchange} (${n(freeQuote)} ${quote}): lower the budget to at most ${n(Math.floor(freeQuote * 100) / 100)} ${quote}, or add funds.`
        : `The bot's remaining cash (${n(cashNeeded)} ${quote}) is above the free ${quote} balance on ${key.exchange} (${n(freeQuote)} ${quote}): add funds, or deploy it again with a smaller budget.`,
    );
  }
  if (risk.maxOrderValue !== null && risk.maxOrderValue > budget) {
    refusals.push(`The maximum order value (${n(risk.maxOrderValue)} ${quote}) is above the budget (${n(budget)} ${quote}): lower it to at most the budget.`);
  }
  if (minOrderValue !== null) {
    firstOrderValues.forEach((v, k) => {
      if (v !== null && v < minOrderValue) {
        refusals.push(
          `${entries.length > 1 ? `Entry ${k + 1}` : "The entry"} would be ${n(v)} ${quote}${probation && v === probation.cap ? " (the probation cap)" : ""}, below ${key.exchange}'s smallest order of ${n(minOrderValue)} ${quote} for ${input.symbol}: raise the ${input.group ? "budget per position" : "budget"} or the entry's size.`,
        );
      }
    });
  }
  entries.forEach((e, k) => {
    if (e.sizing.mode === "base" && minAmount !== null && e.sizing.value < minAmount) {
      refusals.push(`${entries.length > 1 ? `Entry ${k + 1}` : "The entry"} buys ${e.sizing.value}, below ${key.exchange}'s smallest amount of ${minAmount} for ${input.symbol}: raise the entry's size.`);
    }
  });
  if (takerFee !== null && Math.abs(takerFee - feeRate) > 1e-9) {
    warnings.push(`${key.exchange} charges a taker fee of ${n(takerFee * 100, 4)} % on ${input.symbol}; the flow's backtest assumes ${n(feeRate * 100, 4)} %. Set the flow's fee to match, so the backtest says what this bot will pay.`);
  }
  warnings.push(...stopWords(input, facts.restingStops));
  const w = input.warmup;
  if (w.recursive && input.warmupBars < w.bars) {
    const what = `${getBlock(w.kind ?? "")?.label ?? w.kind}${w.period ? ` (period ${w.period})` : ""}`;
    refusals.push(
      `The warm-up (${input.warmupBars} candles) is shorter than the ${what} needs to settle (${w.bars} candles: a recursive indicator carries its starting value for several periods, so the bot's first signals would differ from the backtest's): set the warm-up to at least ${w.bars} candles.`,
    );
  }
  const keyAgeDays = Math.floor((now - (key.rotatedAt ?? key.createdAt)) / 86_400_000);
  if (keyAgeDays >= KEY_ROTATION_DAYS) warnings.push(`The key "${key.label}" is ${keyAgeDays} days old: rotate it (Keys → Rotate) — its bots keep running.`);
  for (const w of key.warnings) warnings.push(w);
  return { ok: refusals.length === 0, refusals, warnings, numbers: { ...facts, budget, firstOrderValues, maxOrderValue: risk.maxOrderValue, probation, flowFee: feeRate, keyAgeDays, warmupBars: input.warmupBars, warmupNeeded: input.warmup.recursive ? input.warmup.bars : 0 } };
}

/** Where the flow's stops will execute, said before the bot trades (nothing when the flow has none). */
function stopWords(input: PreflightInput, support: "oco" | "stop" | null): string[] {
  const { exchange } = input.key;
  const scaled = input.entries.some(scales)
    ? [
        `This flow scales in or out (safety orders or a take-profit in steps): the bot checks those levels, and the stops of such a position, when each candle closes and trades at the next open (the backtest fills them inside the candle), and nothing protects the position while Keyflow is not running.`,
      ]
    : [];
  if (scaled.length > 0) return scaled;
  const guarded = input.entries.filter(hasStops);
  if (guarded.length === 0) return [];
  if (support === null) {
    return [
      `${exchange} cannot hold stop orders for ${input.symbol}: this bot checks its stop loss, take profit and trailing stop when each candle closes and sells at the next open (up to two candles late), and nothing protects the position while Keyflow is not running.`,
    ];
  }
  const withTarget = guarded.some((e) => e.takeProfitPct === e.takeProfitPct);
  if (support === "stop" && withTarget) {
    return [`The stop loss (or trailing stop) rests on ${exchange} as a stop order; the take profit is checked when each candle closes (${exchange} holds one protective order per position here).`];
  }
  return [];
}
