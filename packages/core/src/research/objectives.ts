import { z } from "zod";
import type { SweepMetrics as Metrics } from "./evaluate";

export const objectiveSchema = z.enum(["equity", "return", "sharpe", "sortino", "calmar", "profitFactor"]);
export type Objective = z.infer<typeof objectiveSchema>;

export const OBJECTIVE_LABELS: Record<Objective, string> = {
  equity: "Final equity",
  return: "Return %",
  sharpe: "Sharpe",
  sortino: "Sortino",
  calmar: "Calmar",
  profitFactor: "Profit factor",
};

export const constraintsSchema = z.strictObject({
  /** Combinations with fewer closed trades are ranked below every other. */
  minTrades: z.number().int().min(0).default(0),
  /** Combinations whose max drawdown (in %, positive) is deeper are ranked below every other. */
  maxDrawdownPct: z.number().positive().max(100).optional(),
});
export type Constraints = z.infer<typeof constraintsSchema>;

/** The objective of a run, higher is better. Calmar and profit factor without a loss count as +∞. */
export function objectiveValue(m: Metrics, objective: Objective): number {
  switch (objective) {
    case "equity":
      return m.finalEquity;
    case "return":
      return m.totalReturnPct;
    case "sharpe":
      return m.sharpe;
    case "sortino":
      return m.sortino;
    case "calmar":
      return m.calmar ?? (m.totalReturnPct > 0 ? Infinity : 0);
    case "profitFactor":
      return m.profitFactor ?? (m.trades > 0 ? Infinity : 0);
  }
}

/** Why a run breaks the constraints, or null when it meets them. */
export function constraintBreach(m: Metrics, c: Constraints): string | null {
  if (m.trades < c.minTrades) return `${m.trades} trades, fewer than ${c.minTrades}`;
  if (c.maxDrawdownPct !== undefined && Math.abs(m.maxDrawdownPct) > c.maxDrawdownPct) return `drawdown ${Math.abs(m.maxDrawdownPct).toFixed(1)} % deeper than ${c.maxDrawdownPct} %`;
  return null;
}
