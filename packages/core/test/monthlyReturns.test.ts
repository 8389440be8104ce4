import { describe, expect, it } from "vitest";
import { computeMetrics, monthlyReturns, type Trade } from "../src";

const H = 3_600_000;
const trade = (pnl: number, entryBar: number, exitBar: number): Trade => ({
  side: "long",
  entryTime: entryBar * H,
  entryPrice: 1,
  exitTime: exitBar * H,
  exitPrice: 1,
  qty: 1,
  pnl,
  fees: 0,
  returnPct: pnl,
  exitReason: "signal",
});

describe("strategy tester report figures", () => {
  it("returns each calendar month from the previous month's last close", () => {
    const t = (d: string) => Date.parse(`${d}T00:00:00Z`);
    const time = [t("2024-01-05"), t("2024-01-31"), t("2024-02-10"), t("2024-02-29"), t("2024-03-01")];
    const months = monthlyReturns(time, [100, 110, 99, 121, 133.1], 100);
    expect(months.map((m) => m.month)).toEqual(["2024-01", "2024-02", "2024-03"]);
    expect(months.map((m) => +m.returnPct.toFixed(6))).toEqual([10, 10, 10]);
  });

  it("sums gross profit and loss, counts streaks and bars held by wins and by losses", () => {
    const time = Array.from({ length: 20 }, (_, i) => i * H);
    const trades = [trade(30, 0, 2), trade(20, 2, 4), trade(-10, 4, 8), trade(-5, 8, 14), trade(0, 14, 15), trade(7, 15, 16)];
    const m = computeMetrics({ initialCash: 100, equity: new Float64Array(20).fill(142), time, close: new Array(20).fill(1), trades, barsInMarket: 16, fees: 0, firstTradableBar: 0 });
    expect(m).toMatchObject({ netProfit: 42, grossProfit: 57, grossLoss: 15, longestWinningStreak: 2, longestLosingStreak: 3 });
    expect(m.avgBarsWin).toBeCloseTo((2 + 2 + 1) / 3, 9);
    expect(m.avgBarsLoss).toBeCloseTo((4 + 6 + 1) / 3, 9);
    expect(m.profitFactor).toBeCloseTo(m.grossProfit! / m.grossLoss!, 12);
    expect(m.monthlyReturns).toEqual([{ month: "1970-01", returnPct: expect.closeTo(42, 9) }]);
  });
});
