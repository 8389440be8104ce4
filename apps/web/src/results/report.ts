import type { Metrics, Trade } from "@keyflow/core";
import { money, num, pct } from "../ui/format";

export interface ReportRow {
  id: string;
  label: string;
  value: string;
  /** The stored figure the text was made from (the browser test compares it with the run's metrics). */
  raw: number | null;
  sign?: number | null;
}

const bars = (v: number | undefined) => (v === undefined ? "—" : num(v, 1));

/** The strategy tester's summary, every figure taken from the run's stored metrics. */
export function reportRows(m: Metrics): ReportRow[] {
  const opt = (v: number | undefined) => (v === undefined ? null : v);
  return [
    { id: "netProfit", label: "Net profit", value: m.netProfit === undefined ? "—" : `${money(m.netProfit)} (${pct(m.totalReturnPct)})`, raw: opt(m.netProfit), sign: opt(m.netProfit) },
    { id: "grossProfit", label: "Gross profit", value: m.grossProfit === undefined ? "—" : money(m.grossProfit), raw: opt(m.grossProfit), sign: opt(m.grossProfit) },
    { id: "grossLoss", label: "Gross loss", value: m.grossLoss === undefined ? "—" : money(-m.grossLoss), raw: opt(m.grossLoss), sign: m.grossLoss === undefined ? null : -m.grossLoss },
    { id: "profitFactor", label: "Profit factor", value: m.profitFactor === null ? "—" : num(m.profitFactor), raw: m.profitFactor },
    { id: "maxDrawdown", label: "Max drawdown", value: pct(-Math.abs(m.maxDrawdownPct), 2, false), raw: m.maxDrawdownPct, sign: -m.maxDrawdownPct },
    { id: "buyHold", label: "Buy & hold return", value: pct(m.buyHoldReturnPct), raw: m.buyHoldReturnPct, sign: m.buyHoldReturnPct },
    { id: "trades", label: "Closed trades", value: String(m.trades), raw: m.trades },
    { id: "winRate", label: "Percent profitable", value: pct(m.winRatePct, 1, false), raw: m.winRatePct },
    { id: "avgTrade", label: "Average trade", value: pct(m.avgTradePct), raw: m.avgTradePct, sign: m.avgTradePct },
    { id: "largestWin", label: "Largest winning trade", value: m.largestWin === undefined ? "—" : money(m.largestWin), raw: opt(m.largestWin), sign: opt(m.largestWin) },
    { id: "largestLoss", label: "Largest losing trade", value: m.largestLoss === undefined ? "—" : money(m.largestLoss), raw: opt(m.largestLoss), sign: opt(m.largestLoss) },
    { id: "maxConsecWins", label: "Max consecutive wins", value: m.maxConsecWins === undefined ? "—" : String(m.maxConsecWins), raw: opt(m.maxConsecWins) },
    { id: "maxConsecLosses", label: "Max consecutive losses", value: m.maxConsecLosses === undefined ? "—" : String(m.maxConsecLosses), raw: opt(m.maxConsecLosses) },
    { id: "avgBarsWin", label: "Avg bars in winning trades", value: bars(m.avgBarsWin), raw: opt(m.avgBarsWin) },
    { id: "avgBarsLoss", label: "Avg bars in losing trades", value: bars(m.avgBarsLoss), raw: opt(m.avgBarsLoss) },
    { id: "sharpe", label: "Sharpe ratio", value: num(m.sharpe), raw: m.sharpe },
    { id: "sortino", label: "Sortino ratio", value: num(m.sortino), raw: m.sortino },
    { id: "exposure", label: "Time in market", value: pct(m.exposurePct, 1, false), raw: m.exposurePct },
    { id: "fees", label: "Fees paid", value: money(m.fees), raw: m.fees },
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

