import type { Metrics } from "@keyflow/core";
import { money, num, pct, signClass } from "../ui/format";

export interface Kpi {
  id: string;
  label: string;
  value: string;
  sub: string;
  cls?: string;
}

/** The KPI cards' content; pure, so the browser test can compare it with the server's numbers. */
export function kpis(m: Metrics): Kpi[] {
  return [
    {
      id: "return",
      label: "Return",
      value: pct(m.totalReturnPct),
      sub: `Buy & hold ${pct(m.buyHoldReturnPct)}`,
      cls: signClass(m.totalReturnPct),
    },
    { id: "maxDrawdown", label: "Max drawdown", value: pct(-Math.abs(m.maxDrawdownPct), 2, false), sub: `Exposure ${pct(m.exposurePct, 1, false)}`, cls: m.maxDrawdownPct !== 0 ? "neg" : "" },
    { id: "sharpe", label: "Sharpe", value: num(m.sharpe), sub: `Sortino ${num(m.sortino)}`, cls: signClass(m.sharpe) },
    { id: "trades", label: "Trades", value: String(m.trades), sub: `Avg trade ${pct(m.avgTradePct)}` },
    { id: "winRate", label: "Win rate", value: pct(m.winRatePct, 1, false), sub: m.trades > 0 ? `${Math.round((m.winRatePct / 100) * m.trades)} of ${m.trades} won` : "no closed trades" },
    {
      id: "profitFactor",
      label: "Profit factor",
      value: m.profitFactor === null ? (m.trades > 0 ? "∞" : "—") : num(m.profitFactor),
      sub: m.profitFactor === null ? (m.trades > 0 ? "no losing trade" : "no closed trades") : "profit ÷ loss",
      cls: m.profitFactor === null ? "" : m.profitFactor >= 1 ? "pos" : "neg",
    },
    { id: "fees", label: "Fees", value: money(m.fees), sub: `Equity ${money(m.finalEquity, 0)}` },
  ];
}

export function KpiCards({ metrics }: { metrics: Metrics }) {
  return (
    <div className="kpis" data-testid="kpis">
      {kpis(metrics).map((k) => (
        <div className="kpi" key={k.id} data-testid={`kpi-${k.id}`}>
          <div className="k">{k.label}</div>
          <div className={`v ${k.cls ?? ""}`} data-testid={`kpi-${k.id}-value`}>
            {k.value}
          </div>
          <div className="s">{k.sub}</div>
        </div>
      ))}
    </div>
  );
}
