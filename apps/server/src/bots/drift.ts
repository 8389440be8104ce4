// The drift report: the candles a bot actually received, replayed through the backtest engine, and
// compared candle by candle with what the bot did — which fills agree, how far the bot's prices and
// fees are from the backtest's, which candles came late or not at all.
import { UserError } from "../errors";
import { Session, TIMEFRAME_MS } from "@keyflow/core";
import type { Bot, BotFill, BotOrder, KeyflowDb } from "@keyflow/db";
import { feeInQuote } from "./ledger";
import { DOWNTIME_EXIT } from "./liveTrader";
import { assetsOfSymbol } from "./views";

/** One fill of the backtest or of the bot, on the candle whose prices filled it. */
interface FillEvent {
  time: number;
  side: "buy" | "sell";
  price: number;
  /** Quote value and fee (quote) of the fill. */
  value: number;
  fee: number;
  /** "entry", "exit", "stopLoss"… (the backtest's exit reason, the bot's intent). */
  what: string;
}

export interface DriftRow {
  time: number;
  side: "buy" | "sell";
  backtest: { price: number; what: string } | null;
  bot: { price: number; what: string } | null;
  /** How much worse the bot's price was than the backtest's, in basis points (negative: better). */
  slippageBps: number | null;
  /** The bot's fee rate minus the flow's fee model, in basis points of the fill's value. */
  feeBps: number | null;
}

export interface DriftReport {
  botId: string;
  mode: Bot["mode"];
  /** The flow's fee model (fraction of the value). */
  feeRate: number;
  candles: {
    /** Closed candles the bot processed since its start. */
    received: number;
    /** Processed after the next one had already closed (catching up after a pause or an outage): live bots follow these without trading. */
    late: number;
    /** Candles between the bot's first and last that it never received. */
    gaps: number;
  };
  signals: {
    /** Fills the backtest made on these candles, fills the bot made, and how many agree (same candle, same side). */
    backtest: number;
    bot: number;
    matched: number;
    /** matched / max(backtest, bot); 1 when neither traded. */
    agreement: number;
    /** Exits the bot made because the flow got out while it was down (they cannot match a backtest fill). */
    exitDowntime: number;
  };
  slippageBps: { mean: number | null; max: number | null };
  feeBps: { mean: number | null };
  /** Every candle on which the backtest or the bot filled something, oldest first. */
  rows: DriftRow[];
}

/** Rounds away float noise so that identical arithmetic reads as exactly 0. */
const clean = (x: number) => Math.round(x * 1e6) / 1e6 || 0;

export function driftReport(db: KeyflowDb, bot: Bot): DriftReport {
  if (bot.flow.portfolio) {
    throw new UserError("BAD_REQUEST", "The drift report compares one market with its backtest; this bot trades several. Backtest its strategy over the same markets to compare.", { kind: "input", issues: [{ path: "id", message: "bot over several markets" }] });
  }
  const tf = TIMEFRAME_MS[bot.timeframe];
  const settings = bot.flow.settings;
  const candles = db.bots.candles(bot.id);
  const live = candles.filter((c) => !c.warmup);

  // The backtest on exactly these candles: warm-up bars feed the indicators only, as the bot's did.
  const session = new Session(bot.spec, settings);
  const expected: FillEvent[] = [];
  session.broker.onFill = (f) => expected.push({ time: f.time, side: f.side, price: f.price, value: f.qty * f.price, fee: f.fee, what: f.intent });
  for (const c of candles) {
    if (c.warmup) session.strategy.update(c.time, c.open, c.high, c.low, c.close, c.volume);
    else session.step(c.time, c.open, c.high, c.low, c.close, c.volume);
  }

  const orders = new Map(db.bots.allOrders(bot.id).map((o) => [o.clientOrderId, o]));
  const actual = botFills(db.bots.fills(bot.id), orders, assetsOfSymbol(bot.symbol));

  const key = (e: FillEvent) => `${e.time}:${e.side}`;
  const bt = new Map(expected.map((e) => [key(e), e]));
  const mine = new Map(actual.map((e) => [key(e), e]));
  const rows: DriftRow[] = [];
  for (const k of new Set([...bt.keys(), ...mine.keys()])) {
    const b = bt.get(k) ?? null;
    const m = mine.get(k) ?? null;
    const e = (b ?? m)!;
    const worse = b && m ? (e.side === "buy" ? m.price - b.price : b.price - m.price) : null;
    rows.push({
      time: e.time,
      side: e.side,
      backtest: b && { price: b.price, what: b.what },
      bot: m && { price: m.price, what: m.what },
      slippageBps: worse === null ? null : clean((worse / b!.price) * 1e4),
      feeBps: m && m.value > 0 ? clean((m.fee / m.value - settings.feeRate) * 1e4) : null,
    });
  }
  rows.sort((a, b) => a.time - b.time || (a.side === b.side ? 0 : a.side === "buy" ? -1 : 1));

  const matched = rows.filter((r) => r.backtest && r.bot);
  const slips = matched.map((r) => r.slippageBps!);
  const fees = rows.flatMap((r) => (r.feeBps === null ? [] : [r.feeBps]));
  const mean = (xs: number[]) => (xs.length ? clean(xs.reduce((s, x) => s + x, 0) / xs.length) : null);
  const first = live[0]?.time;
  const last = live.at(-1)?.time;
  return {
    botId: bot.id,
    mode: bot.mode,
    feeRate: settings.feeRate,
    candles: {
      received: live.length,
      late: live.filter((c) => c.missed).length,
      gaps: first === undefined || last === undefined ? 0 : Math.round((last - first) / tf) + 1 - live.length,
    },
    signals: {
      backtest: expected.length,
      bot: actual.length,
      matched: matched.length,
      agreement: Math.max(expected.length, actual.length) === 0 ? 1 : matched.length / Math.max(expected.length, actual.length),
      exitDowntime: [...orders.values()].filter((o) => o.intent.replace(/-r\d+$/, "") === DOWNTIME_EXIT && o.filledQty > 0).length,
    },
    slippageBps: { mean: mean(slips), max: slips.length ? Math.max(...slips) : null },
    feeBps: { mean: mean(fees) },
    rows,
  };
}

/** The bot's fills, one event per order (its average price), on the candle of its first fill. */
function botFills(fills: readonly BotFill[], orders: Map<string, BotOrder>, assets: { base: string; quote: string }): FillEvent[] {
  const byOrder = new Map<string, BotFill[]>();
  for (const f of fills) byOrder.set(f.clientOrderId, [...(byOrder.get(f.clientOrderId) ?? []), f]);
  const out: FillEvent[] = [];
  for (const [cid, fs] of byOrder) {
    const amount = fs.reduce((s, f) => s + f.amount, 0);
    const value = fs.reduce((s, f) => s + (f.cost || f.price * f.amount), 0);
    const fee = fs.reduce((s, f) => s + feeInQuote(f, assets), 0);
    // One fill: its own price (a paper fill is the backtest's number exactly); several: their average.
    out.push({ time: fs[0]!.barTime, side: fs[0]!.side, price: fs.length === 1 ? fs[0]!.price : value / amount, value, fee, what: orders.get(cid)?.intent ?? "?" });
  }
  return out;
}

/** One sentence of a drift report: how far the bot's live trading is from its backtest on the same candles. */
export function driftSentence(r: DriftReport): string {
  const { signals, slippageBps, feeBps } = r;
  if (signals.backtest === 0 && signals.bot === 0) return "Against the backtest on the same candles: neither traded yet.";
  const bps = (x: number | null) => (x === null ? "–" : `${x >= 0 ? "" : "−"}${Math.abs(x).toFixed(1)} bps`);
  return (
    `Against the backtest on the same candles: ${signals.matched} of ${Math.max(signals.backtest, signals.bot)} fills on the same candle and side (${Math.round(signals.agreement * 100)} %), ` +
    `fill prices ${bps(slippageBps.mean)} worse on average, fees ${bps(feeBps.mean)} above the fee model (see Drift on the bot's page).`
  );
}
