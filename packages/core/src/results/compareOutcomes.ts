import type { Metrics, OpenPosition, Trade } from "../engine/result";
import { canonicalJson } from "../util/canonicalJson";

export interface Outcome {
  /** Compared when given (a portfolio's markets have trades of their own but share one set of figures). */
  metrics?: Metrics;
  trades: readonly Trade[];
  openPosition: OpenPosition | null;
}

/** Where two results of the same run first part ways; null when they are identical. */
export type Divergence =
  | { kind: "trade"; index: number; field: string; expected: unknown; actual: unknown; at: number }
  | { kind: "tradeCount"; expected: number; actual: number; at: number | null }
  | { kind: "metric"; field: string; expected: unknown; actual: unknown }
  | { kind: "openPosition"; expected: OpenPosition | null; actual: OpenPosition | null };

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Compares a result with another run of the same inputs: trades first (the earliest one that differs), then metrics. */
export function compareOutcomes(expected: Outcome, actual: Outcome): Divergence | null {
  const n = Math.min(expected.trades.length, actual.trades.length);
  for (let i = 0; i < n; i++) {
    const e = expected.trades[i]!;
    const a = actual.trades[i]!;
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])] as (keyof Trade)[];
    const field = keys.find((k) => !same(e[k], a[k]));
    if (field) return { kind: "trade", index: i, field, expected: e[field], actual: a[field], at: Math.min(e.entryTime, a.entryTime) };
  }
  if (expected.trades.length !== actual.trades.length) {
    const extra = expected.trades[n] ?? actual.trades[n];
    return { kind: "tradeCount", expected: expected.trades.length, actual: actual.trades.length, at: extra?.entryTime ?? null };
  }
  if (!same(expected.openPosition, actual.openPosition)) return { kind: "openPosition", expected: expected.openPosition, actual: actual.openPosition };
  if (expected.metrics === undefined && actual.metrics === undefined) return null;
  const [em, am] = [expected.metrics ?? ({} as Partial<Metrics>), actual.metrics ?? ({} as Partial<Metrics>)];
  const keys = [...new Set([...Object.keys(em), ...Object.keys(am)])] as (keyof Metrics)[];
  const field = keys.find((k) => !same(em[k], am[k]));
  if (field) return { kind: "metric", field, expected: em[field], actual: am[field] };
  return null;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
const show = (v: unknown) => (typeof v === "number" ? String(v) : JSON.stringify(v));

/** The divergence in words, naming the recorded result "the recorded result" and the new one `actualName`. */
export function describeDivergence(d: Divergence, actualName = "this run"): string {
  switch (d.kind) {
    case "trade":
      return `Trade ${d.index + 1} (entered ${iso(d.at)} UTC) differs first: its ${d.field} is ${show(d.expected)} in the recorded result and ${show(d.actual)} in ${actualName}.`;
    case "tradeCount":
      return `The recorded result has ${d.expected} trades and ${actualName} ${d.actual}${d.at === null ? "" : `; the first unmatched one enters ${iso(d.at)} UTC`}.`;
    case "openPosition":
      return `The position left open at the end differs (recorded: ${d.expected ? `entered ${iso(d.expected.entryTime)} UTC` : "none"}; ${actualName}: ${d.actual ? `entered ${iso(d.actual.entryTime)} UTC` : "none"}).`;
    case "metric":
      return `Every trade matches, but ${d.field} is ${show(d.expected)} in the recorded result and ${show(d.actual)} in ${actualName}.`;
  }
}
