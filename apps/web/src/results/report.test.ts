import { describe, expect, it } from "vitest";
import { computeMetrics, type Metrics, type Trade } from "@keyflow/core";
import { monthlyTable, reportRows, returnHistogram, tradesCsv } from "./report";

const trade = (returnPct: number, i = 0): Trade => ({
  side: "long",
  entryTime: Date.UTC(2024, 0, 1 + i),
  entryPrice: 100.123456789,
  exitTime: Date.UTC(2024, 0, 2 + i),
  exitPrice: 100 * (1 + returnPct / 100),
  qty: 0.0123456789,
  pnl: returnPct * 3.3333333,
  fees: 0.1,
  returnPct,
  exitReason: i % 2 ? "stopLoss" : "signal",
});

const metrics = computeMetrics({
  initialCash: 100,
  equity: Float64Array.from([100, 120, 80]),
  time: [0, 3_600_000, 7_200_000],
  close: [1, 1, 1],
  trades: [
    { side: "long", entryTime: 0, entryPrice: 1, exitTime: 3_600_000, exitPrice: 1.2, qty: 100, pnl: 20, fees: 0, returnPct: 20, exitReason: "signal" },
    { side: "long", entryTime: 3_600_000, entryPrice: 1.2, exitTime: 7_200_000, exitPrice: 0.8, qty: 100, pnl: -40, fees: 0, returnPct: -33, exitReason: "stopLoss" },
  ],
  barsInMarket: 2,
  fees: 0,
  firstTradableBar: 0,
});

describe("report", () => {
  it("puts months in a year table and compounds them into the year", () => {
    const rows = monthlyTable([
      { month: "2023-12", returnPct: 5 },
      { month: "2024-01", returnPct: 10 },
      { month: "2024-02", returnPct: -10 },
    ]);
    expect(rows.map((r) => r.year)).toEqual(["2023", "2024"]);
    expect(rows[0]!.months[11]).toBe(5);
    expect(rows[0]!.months.slice(0, 11).every((m) => m === null)).toBe(true);
    expect(rows[1]!.total).toBeCloseTo(-1, 9); // 1.1 × 0.9 = 0.99
  });

  it("counts every trade once in bins whose edges include 0", () => {
    const trades = [-3.2, -0.4, 0.1, 0.2, 1.7, 4.9].map((r, i) => trade(r, i));
    const bins = returnHistogram(trades, 10);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(trades.length);
    expect(bins.some((b) => b.from === 0 || b.to === 0)).toBe(true);
    for (const t of trades) expect(bins.filter((b) => t.returnPct >= b.from && t.returnPct < b.to)).toHaveLength(1);
  });

  it("writes trades as CSV that parses back to the same trades", () => {
    const trades = [trade(2.5, 0), trade(-1.25, 1)];
    const [head, ...lines] = tradesCsv(trades).trim().split("\n");
    const cols = head!.split(",");
    const back = lines.map((l) => {
      const v = Object.fromEntries(l.split(",").map((x, i) => [cols[i], x]));
      return {
        side: v.side,
        entryTime: Date.parse(v.entryTime!),
        entryPrice: Number(v.entryPrice),
        exitTime: Date.parse(v.exitTime!),
        exitPrice: Number(v.exitPrice),
        qty: Number(v.qty),
        pnl: Number(v.pnl),
        fees: Number(v.fees),
        returnPct: Number(v.returnPct),
        exitReason: v.exitReason,
      };
    });
    expect(back).toEqual(trades);
  });

  it("shows '—' for figures a run stored before they existed, or that it has none of", () => {
    const rows = reportRows({ ...metrics, grossProfit: undefined, largestWin: null } as Metrics);
    expect(rows.find((r) => r.id === "grossProfit")).toMatchObject({ value: "—", raw: null });
    expect(rows.find((r) => r.id === "largestWin")).toMatchObject({ value: "—", raw: null });
    expect(rows.find((r) => r.id === "grossLoss")).toMatchObject({ value: "-40.00", raw: 40, sign: -40 });
  });
});
