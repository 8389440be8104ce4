import { describe, expect, it } from "vitest";
import { computeMetrics, monthlyReturns, tradeStats, type Trade } from "../src";

const H = 3_600_000;
const trade = (pnl: number, hours: number): Trade => ({
  side: "long",
  entryTime: 0,
  entryPrice: 1,
  exitTime: hours * H,
  exitPrice: 1,
  qty: 1,
  pnl,
  fees: 0,
  returnPct: pnl,
  exitReason: "signal",
});

describe("strategy tester report", () => {
  it("sums gross profit and loss, finds the extremes, streaks and bars held", () => {
    const trades = [trade(30, 2), trade(-10, 4), trade(-5, 6), trade(-1, 2), trade(20, 4), trade(0, 1)];
    expect(tradeStats(trades, H)).toEqual({
      grossProfit: 50,
      grossLoss: 16,
      largestWin: 30,
      largestLoss: -10,
      maxConsecWins: 1,
      maxConsecLosses: 3,
      avgBarsWin: 3,
      avgBarsLoss: (4 + 6 + 2 + 1) / 4,
    });
    expect(tradeStats([], H)).toMatchObject({ grossProfit: 0, grossLoss: 0, maxConsecWins: 0, avgBarsWin: 0, avgBarsLoss: 0 });
  });

  it("returns each calendar month from the previous month's last close", () => {
    const t = (d: string) => Date.parse(`${d}T00:00:00Z`);
    const time = [t("2024-01-05"), t("2024-01-31"), t("2024-02-10"), t("2024-02-29"), t("2024-03-01")];
    const equity = [100, 110, 99, 121, 133.1];
    const months = monthlyReturns(time, equity, 100);
    expect(months.map((m) => m.month)).toEqual(["2024-01", "2024-02", "2024-03"]);
    expect(months.map((m) => +m.returnPct.toFixed(6))).toEqual([10, 10, 10]);
  });

  it("is part of the metrics a run stores, net profit in quote currency included", () => {
    const m = computeMetrics({
      initialCash: 100,
      equity: Float64Array.from([100, 130, 120]),
      time: [0, H, 2 * H],
      firstClose: 1,
      lastClose: 1,
      trades: [trade(30, 1), trade(-10, 1)],
      barsInMarket: 2,
      fees: 0,
      barMs: H,
    });
    expect(m).toMatchObject({ netProfit: 20, grossProfit: 30, grossLoss: 10, largestWin: 30, largestLoss: -10 });
    expect(m.monthlyReturns?.map((x) => x.month)).toEqual(["1970-01"]);
    expect(m.monthlyReturns?.[0]?.returnPct).toBeCloseTo(20, 9);
  });
});
