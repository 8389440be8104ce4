// Start small: a new live bot's entries are capped at a fraction of its budget until the person lifts
// the cap. Keyflow asks for that after the first N closed trades or D days, whichever comes first,
// with the bot's live results so far. The cap is enforced by the live trader's risk check
// (LiveTrader.refuseEntry, through `probationCap`), like the other limits.
//
// Defaults (KEYFLOW_PROBATION="<percent>%/<trades>/<days>", or "off"): 10 % of the budget, for
// 5 closed trades or 7 days. A bot stays capped until lifted: reaching N or D only asks.
import type { Bot, BotProbation, KeyflowDb } from "@keyflow/db";
import { UserError } from "../errors";
import { assetsOfSymbol, botTrades, probationBase } from "./views";

export interface ProbationTerms {
  /** Largest entry as a fraction of the budget (0 < fraction ≤ 1). */
  fraction: number;
  /** Closed trades after which Keyflow asks to lift the cap. */
  trades: number;
  /** Days after which Keyflow asks to lift the cap. */
  days: number;
}

export const DEFAULT_PROBATION: ProbationTerms = { fraction: 0.1, trades: 5, days: 7 };

const DAY_MS = 86_400_000;

/** KEYFLOW_PROBATION: "10%/5/7" (fraction of the budget / closed trades / days), "off", or unset for the defaults. */
export function probationFromEnv(text: string | undefined): ProbationTerms | null {
  const t = text?.trim();
  if (!t) return DEFAULT_PROBATION;
  if (t === "off") return null;
  const m = /^(\d+(?:\.\d+)?)%\/(\d+)\/(\d+(?:\.\d+)?)$/.exec(t);
  const pct = Number(m?.[1]);
  if (!m || !(pct > 0 && pct <= 100) || !(Number(m[2]) >= 1) || !(Number(m[3]) > 0)) {
    throw new Error(`KEYFLOW_PROBATION must be "<percent>%/<closed trades>/<days>" (e.g. "10%/5/7") or "off", not "${t}".`);
  }
  return { fraction: pct / 100, trades: Number(m[2]), days: Number(m[3]) };
}

export function startProbation(terms: ProbationTerms, now: number): BotProbation {
  return { fraction: terms.fraction, trades: terms.trades, startedAt: now, until: now + terms.days * DAY_MS, askedAt: null, liftedAt: null };
}

/** The largest entry value (quote) the bot may send now, or null when no cap holds. */
export function probationCap(p: BotProbation | null, budget: number): number | null {
  return p && p.liftedAt === null ? p.fraction * budget : null;
}

export interface ProbationResults {
  closedTrades: number;
  wins: number;
  pnl: number;
  returnPct: number;
  quote: string;
}

type BotLike = Pick<Bot, "id" | "symbol" | "mode" | "book" | "flow" | "probation">;

/** The bot's closed live trades so far: what Keyflow shows when it asks to lift the cap. */
export function probationResults(db: KeyflowDb, b: BotLike): ProbationResults {
  const assets = assetsOfSymbol(b.symbol);
  const { trades } = botTrades(b, db.bots.allOrders(b.id), db.bots.fills(b.id));
  const pnl = trades.reduce((s, t) => s + t.pnl, 0);
  return { closedTrades: trades.length, wins: trades.filter((t) => t.pnl > 0).length, pnl, returnPct: (pnl / b.flow.settings.initialCash) * 100, quote: assets.quote };
}

export interface ProbationView {
  fraction: number;
  /** The cap in the quote currency. */
  cap: number;
  trades: number;
  until: number;
  /** N closed trades or D days reached: the person may lift the cap. */
  ready: boolean;
  askedAt: number | null;
  liftedAt: number | null;
  results: ProbationResults;
}

export function probationView(db: KeyflowDb, b: BotLike, now: number): ProbationView | null {
  const p = b.probation;
  if (!p) return null;
  const results = probationResults(db, b);
  return { fraction: p.fraction, cap: p.fraction * probationBase(b.flow), trades: p.trades, until: p.until, ready: results.closedTrades >= p.trades || now >= p.until, askedAt: p.askedAt, liftedAt: p.liftedAt, results };
}

const money = (x: number) => x.toLocaleString("en", { maximumFractionDigits: 2 });

export function resultsText(r: ProbationResults): string {
  if (r.closedTrades === 0) return "no closed trade yet";
  const sign = r.pnl >= 0 ? "+" : "";
  return `${r.closedTrades} closed trade${r.closedTrades === 1 ? "" : "s"}, ${r.wins} won, ${sign}${money(r.pnl)} ${r.quote} (${sign}${r.returnPct.toFixed(2)} % of the budget)`;
}

/**
 * Once N trades or D days are reached, asks the person (event and alert, once) to lift the cap,
 * with the bot's live results and, when given, how they compare with the backtest on the same candles.
 * Returns the text it sent, or null when it did not ask now.
 */
export function askToLiftWhenReady(db: KeyflowDb, b: BotLike & { name: string }, now: number, tell: (text: string) => void, versusBacktest?: () => string): string | null {
  const p = b.probation;
  if (!p || p.askedAt !== null || p.liftedAt !== null) return null;
  const v = probationView(db, b, now)!;
  if (!v.ready) return null;
  db.bots.update(b.id, { probation: { ...b.probation!, askedAt: now } });
  const why = v.results.closedTrades >= v.trades ? `${v.trades} closed trades` : `${Math.round((v.until - b.probation!.startedAt) / DAY_MS)} days`;
  const text =
    `Probation complete after ${why}: ${resultsText(v.results)}.${versusBacktest ? ` ${versusBacktest()}` : ""} Entries stay capped at ${Math.round(v.fraction * 100)} % of the budget (${money(v.cap)} ${v.results.quote}) ` +
    `until you lift the cap: "Lift cap" on the bot, or keyflow bots lift-cap ${b.id}.`;
  tell(text);
  return text;
}

/** The person's action: the bot trades its full size from its next entry. */
export function liftProbation(db: KeyflowDb, b: BotLike, now: number): BotProbation {
  const p = b.probation;
  if (!p || p.liftedAt !== null) {
    throw new UserError("BAD_REQUEST", "This bot has no cap to lift: it already trades its full size.", { kind: "input", issues: [{ path: "id", message: "no probation cap" }] });
  }
  const v = probationView(db, b, now)!;
  if (!v.ready) {
    const days = Math.max(0, Math.ceil((p.until - now) / DAY_MS));
    throw new UserError(
      "BAD_REQUEST",
      `The cap can be lifted after ${p.trades} closed trades or on ${new Date(p.until).toISOString().slice(0, 10)} (in ${days} day${days === 1 ? "" : "s"}); so far: ${resultsText(v.results)}.`,
      { kind: "input", issues: [{ path: "id", message: "probation not complete" }] },
    );
  }
  const lifted = { ...p, liftedAt: now };
  db.bots.update(b.id, { probation: lifted });
  db.bots.log(b.id, "warn", `Cap lifted by you after ${resultsText(v.results)}: entries now use the bot's full size.`);
  return lifted;
}
