import { useEffect, useRef } from "react";
import { ColorType, LineSeries, createChart, type Time, type UTCTimestamp } from "lightweight-charts";
import type { Metrics } from "@keyflow/core";
import { app, useApp } from "../app/appStore";
import { errorMessage } from "../lib/errors";
import { useRun } from "./useRun";
import { runDifferences } from "./runDifferences";
import { DevDetail } from "../ui/Details";
import { ago, money, num, pct, tickLabel } from "../ui/format";
import type { RunView } from "./runView";

const ROWS: { key: keyof Metrics; label: string; fmt: (v: number | null) => string; better: "high" | "low" | null }[] = [
  { key: "totalReturnPct", label: "Return", fmt: (v) => pct(v), better: "high" },
  { key: "buyHoldReturnPct", label: "Buy & hold", fmt: (v) => pct(v), better: null },
  { key: "maxDrawdownPct", label: "Max drawdown", fmt: (v) => pct(v === null ? null : -Math.abs(v), 2, false), better: "low" },
  { key: "sharpe", label: "Sharpe", fmt: (v) => num(v), better: "high" },
  { key: "sortino", label: "Sortino", fmt: (v) => num(v), better: "high" },
  { key: "trades", label: "Trades", fmt: (v) => String(v ?? "—"), better: null },
  { key: "winRatePct", label: "Win rate", fmt: (v) => pct(v, 1, false), better: "high" },
  { key: "profitFactor", label: "Profit factor", fmt: (v) => (v === null ? "∞ / —" : num(v)), better: "high" },
  { key: "avgTradePct", label: "Avg trade", fmt: (v) => pct(v), better: "high" },
  { key: "exposurePct", label: "Exposure", fmt: (v) => pct(v, 1, false), better: null },
  { key: "fees", label: "Fees", fmt: (v) => money(v), better: "low" },
  { key: "finalEquity", label: "Final equity", fmt: (v) => money(v), better: "high" },
];

const COLORS = ["#4ea4ff", "#f3b53f"];

function EquityOverlay({ runs }: { runs: RunView[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const chart = createChart(host.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "#0c1016" }, textColor: "#8792a4", attributionLogo: false, fontFamily: "Inter Variable, sans-serif", fontSize: 11 },
      grid: { vertLines: { color: "#141a22" }, horzLines: { color: "#141a22" } },
      rightPriceScale: { borderColor: "#212835" },
      timeScale: { borderColor: "#212835", timeVisible: true, tickMarkFormatter: (t: Time, kind: number) => tickLabel(t as number, kind), minBarSpacing: 0.05 },
    });
    runs.forEach((r, i) => {
      const s = chart.addSeries(LineSeries, { color: COLORS[i], lineWidth: 2, priceLineVisible: false, title: `Run ${i + 1}` });
      const first = r.equity.value.find((v) => v !== null) ?? 1;
      // Normalised to % growth so runs with different starting cash compare.
      s.setData(
        r.equity.time
          .map((t, k) => ({ time: Math.floor(t / 1000) as UTCTimestamp, v: r.equity.value[k] }))
          .filter((d): d is { time: UTCTimestamp; v: number } => d.v !== null && d.v !== undefined)
          .map((d) => ({ time: d.time, value: (d.v / first - 1) * 100 })),
      );
    });
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [runs]);
  return <div className="chart-host" ref={host} />;
}

export function CompareView() {
  const [a, b] = useApp((s) => s.compare);
  const qa = useRun(a ?? null);
  const qb = useRun(b ?? null);
  const back = () => app.set({ comparing: false });
  if (qa.isError || qb.isError) return <div className="results-empty">{errorMessage(qa.error ?? qb.error)}</div>;
  if (!qa.data || !qb.data) return <div className="results-empty">Loading both runs…</div>;
  const runs = [qa.data, qb.data];
  const labels = runDifferences(qa.data, qb.data);
  return (
    <div className="compare" data-testid="compare-view">
      <div style={{ display: "flex", alignItems: "center", gap: 12, marginBottom: 12 }}>
        <button type="button" className="btn small" onClick={back} data-testid="compare-back">
          ← Back
        </button>
        <h2 style={{ margin: 0, fontSize: 15, color: "var(--text-strong)" }}>Compare runs</h2>
      </div>
      <div className="compare-grid">
        <div className="h">Metric</div>
        {runs.map((r, i) => (
          <div className="h" key={r.id}>
            <span style={{ color: COLORS[i] }}>●</span> Run {i + 1}: <span data-testid="compare-label">{labels[i]!.join(" · ")}</span>
            <div className="dim" style={{ fontWeight: 400, fontSize: 11 }}>
              {r.flow.name} · run {ago(r.createdAt)}
              <DevDetail> · spec {r.specHash.slice(0, 8)}</DevDetail>
            </div>
          </div>
        ))}
        {ROWS.map((row) => {
          const vals = runs.map((r) => r.metrics[row.key] as number | null);
          const [x, y] = vals;
          const best =
            row.better && x !== null && y !== null && x !== undefined && y !== undefined && x !== y
              ? row.better === "high"
                ? x > y
                  ? 0
                  : 1
                : Math.abs(x) < Math.abs(y)
                  ? 0
                  : 1
              : -1;
          return [
            <div className="k" key={`${row.key}-k`}>
              {row.label}
            </div>,
            ...vals.map((v, i) => (
              <div key={`${row.key}-${i}`} className={best === i ? "better" : ""}>
                {row.fmt(v ?? null)}
              </div>
            )),
          ];
        })}
      </div>
      <div className="compare-chart">
        <div className="pane-label" style={{ top: 6 }}>
          Equity growth, %
        </div>
        <EquityOverlay runs={runs} />
      </div>
    </div>
  );
}
