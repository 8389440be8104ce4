import type { Metrics, Trade } from "@keyflow/core";
import { money, num, pct } from "../ui/format";

export interface ReportRow {
  id: string;
  label: string;
  value: string;
  /** The stored figure the text was made from (the browser test compares it with the run's metrics). */
  raw: number | null;
  /** Colours the value: positive green, negative red. */
  sign?: number | null;
}

/** One figure; "—" when the run has none (no such trade, or a run stored before the figure existed). */
function row(id: string, label: string, v: number | null | undefined, text: (v: number) => string, signOf?: (v: number) => number): ReportRow {
  if (v === null || v === undefined) return { id, label, value: "—", raw: null };
  return { id, label, value: text(v), raw: v, ...(signOf ? { sign: signOf(v) } : {}) };
}

const same = (v: number) => v;
const count = (v: number) => String(v);
const bars = (v: number) => num(v, 1);

/** The strategy tester's summary, every figure taken from the run's stored metrics. */
export function reportRows(m: Metrics): ReportRow[] {
  return [
    row("netProfit", "Net profit", m.netProfit, (v) => `${money(v)} (${pct(m.totalReturnPct)})`, same),
    row("grossProfit", "Gross profit", m.grossProfit, money, same),
    row("grossLoss", "Gross loss", m.grossLoss, (v) => money(-v), (v) => -v),
    row("profitFactor", "Profit factor", m.profitFactor, (v) => num(v)),
    row("maxDrawdown", "Max drawdown", m.maxDrawdownPct, (v) => pct(-Math.abs(v), 2, false), (v) => -v),
    row("cagr", "Annual growth (CAGR)", m.cagrPct, (v) => pct(v), same),
    row("buyHold", "Buy & hold return", m.buyHoldReturnPct, (v) => pct(v), same),
    row("trades", "Closed trades", m.trades, count),
    row("winRate", "Percent profitable", m.winRatePct, (v) => pct(v, 1, false)),
    row("avgTrade", "Average trade", m.avgTradePct, (v) => pct(v), same),
    row("expectancy", "Average P&L per trade", m.expectancy, money, same),
    row("largestWin", "Largest winning trade", m.largestWin, money, same),
    row("largestLoss", "Largest losing trade", m.largestLoss, money, same),
    row("longestWinningStreak", "Max consecutive wins", m.longestWinningStreak, count),
    row("longestLosingStreak", "Max consecutive losses", m.longestLosingStreak, count),
    row("avgBarsWin", "Avg bars in winning trades", m.avgBarsWin, bars),
    row("avgBarsLoss", "Avg bars in losing trades", m.avgBarsLoss, bars),
    row("sharpe", "Sharpe ratio", m.sharpe, (v) => num(v)),
    row("sortino", "Sortino ratio", m.sortino, (v) => num(v)),
    row("exposure", "Time in market", m.exposurePct, (v) => pct(v, 1, false)),
    row("fees", "Fees paid", m.fees, money),
  ];
}

export interface YearRow {
  year: string;
  /** January … December; null where the run has no data. */
  months: (number | null)[];
  /** The months compounded. */
  total: number;
}

/** Monthly returns as a year × month table (months compound into the year's return). */
export function monthlyTable(months: readonly { month: string; returnPct: number }[]): YearRow[] {
  const years = new Map<string, YearRow>();
  for (const { month, returnPct } of months) {
    const [y, m] = month.split("-");
    let row = years.get(y!);
    if (!row) years.set(y!, (row = { year: y!, months: Array<number | null>(12).fill(null), total: 0 }));
    row.months[Number(m) - 1] = returnPct;
  }
  for (const row of years.values()) row.total = (row.months.reduce<number>((acc, r) => acc * (1 + (r ?? 0) / 100), 1) - 1) * 100;
  return [...years.values()].sort((a, b) => a.year.localeCompare(b.year));
}

export interface Bin {
  from: number;
  to: number;
  count: number;
}

/** Trade returns in % counted in equal bins (edges at whole multiples of the bin width, so 0 is an edge). */
export function returnHistogram(trades: readonly Trade[], maxBins = 24): Bin[] {
  if (trades.length === 0) return [];
  const r = trades.map((t) => t.returnPct);
  const lo = Math.min(...r);
  const hi = Math.max(...r);
  const raw = (hi - lo) / maxBins || 1;
  // A readable width: 1, 2 or 5 times a power of ten.
  const p = 10 ** Math.floor(Math.log10(raw));
  const width = [1, 2, 5, 10].map((k) => k * p).find((w) => w >= raw)!;
  const start = Math.floor(lo / width) * width;
  const n = Math.max(1, Math.floor((hi - start) / width) + 1);
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({ from: start + i * width, to: start + (i + 1) * width, count: 0 }));
  for (const v of r) bins[Math.min(n - 1, Math.floor((v - start) / width))]!.count++;
  return bins;
}

const CSV_COLUMNS = ["entryTime", "exitTime", "side", "entryPrice", "exitPrice", "qty", "pnl", "fees", "returnPct", "exitReason"] as const;

/** The trades as CSV: one header line, times as ISO-8601 UTC, numbers as stored (full precision). */
export function tradesCsv(trades: readonly Trade[]): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const lines = trades.map((t) => CSV_COLUMNS.map((c) => (c === "entryTime" || c === "exitTime" ? iso(t[c]) : String(t[c]))).join(","));
  return [CSV_COLUMNS.join(","), ...lines].join("\n") + "\n";
}

/** The summary as CSV (label, value), for a spreadsheet. */
export function reportCsv(m: Metrics): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ["figure,value", ...reportRows(m).map((r) => `${quote(r.label)},${r.raw === null ? "" : r.raw}`)].join("\n") + "\n";
}

