import type { Metrics } from "@keyflow/core";
import { downloadFile } from "../ui/download";
import { pct, signClass } from "../ui/format";
import { monthlyTable, reportCsv, reportRows, returnHistogram, tradesCsv } from "./report";
import type { RunView } from "./runView";
import { exportHtmlReport, exportResult } from "./shareResult";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function Summary({ metrics }: { metrics: Metrics }) {
  return (
    <table className="report-table" data-testid="report-summary">
      <tbody>
        {reportRows(metrics).map((r) => (
          <tr key={r.id} data-testid={`report-${r.id}`} data-raw={r.raw ?? ""}>
            <th>{r.label}</th>
            <td className={signClass(r.sign)}>{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Monthly({ months }: { months: NonNullable<Metrics["monthlyReturns"]> }) {
  const years = monthlyTable(months);
  return (
    <table className="report-months" data-testid="report-months">
      <thead>
        <tr>
          <th />
          {MONTHS.map((m) => (
            <th key={m}>{m}</th>
          ))}
          <th>Year</th>
        </tr>
      </thead>
      <tbody>
        {years.map((y) => (
          <tr key={y.year}>
            <th>{y.year}</th>
            {y.months.map((r, i) => (
              <td key={i} className={`cell ${signClass(r)}`}>
                {r === null ? "" : pct(r, 1)}
              </td>
            ))}
            <td className={`cell total ${signClass(y.total)}`}>{pct(y.total, 1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Histogram({ run }: { run: RunView }) {
  const bins = returnHistogram(run.trades);
  if (bins.length === 0) return <div className="empty-note">No closed trades.</div>;
  const most = Math.max(...bins.map((b) => b.count));
  return (
    <div className="histogram" data-testid="report-histogram" role="img" aria-label="Histogram of trade returns">
      {bins.map((b) => (
        <div key={b.from} className="bar-slot" title={`${pct(b.from, 2)} to ${pct(b.to, 2)}: ${b.count} trades`}>
          <div className={`bar ${b.to <= 0 ? "neg" : "pos"}`} style={{ height: `${(b.count / most) * 100}%` }} />
        </div>
      ))}
      <div className="axis">
        <span>{pct(bins[0]!.from, 1)}</span>
        <span>{pct(bins[bins.length - 1]!.to, 1)}</span>
      </div>
    </div>
  );
}

/** A strategy tester's report: the summary, monthly returns, the distribution of trade returns, and exports. */
export function ReportView({ run, chartPng }: { run: RunView; chartPng: () => Promise<Blob | null> }) {
  const base = `${run.flow.name}-${run.symbol}-${run.timeframe}`.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
  const csv = (text: string) => new Blob([text], { type: "text/csv" });
  return (
    <div className="report scroll" data-testid="report">
      <div className="report-actions">
        <button type="button" className="btn small" onClick={() => downloadFile(`${base}-trades.csv`, csv(tradesCsv(run.trades)))} data-testid="export-trades-csv">
          Trades CSV
        </button>
        <button type="button" className="btn small" onClick={() => downloadFile(`${base}-report.csv`, csv(reportCsv(run.metrics)))} data-testid="export-report-csv">
          Report CSV
        </button>
        <button
          type="button"
          className="btn small"
          onClick={() => void chartPng().then((png) => png && downloadFile(`${base}-chart.png`, png))}
          data-testid="export-chart-png"
        >
          Chart PNG
        </button>
        <span className="report-actions-gap" />
        <button type="button" className="btn small" onClick={() => void exportHtmlReport(run)} title="One HTML file with the report, chart and trades, and the result inside: opens anywhere, no Keyflow needed" data-testid="export-html-report">
          HTML report
        </button>
        <button type="button" className="btn small" onClick={() => void exportResult(run)} title="The result as a file another Keyflow can verify on its own candles" data-testid="export-result">
          Result file
        </button>
        <button type="button" className="btn small" onClick={() => void exportResult(run, true)} title="The result file with a compressed copy of the candles it ran on" data-testid="export-result-candles">
          Result + candles
        </button>
      </div>
      <div className="report-grid">
        <section>
          <h3>Performance summary</h3>
          <Summary metrics={run.metrics} />
        </section>
        <section>
          <h3>Trade returns</h3>
          <Histogram run={run} />
        </section>
      </div>
      <section className="report-wide">
        <h3>Monthly returns</h3>
        <div className="months-wrap">
          {run.metrics.monthlyReturns ? <Monthly months={run.metrics.monthlyReturns} /> : <div className="empty-note">Run the backtest again to see monthly returns.</div>}
        </div>
      </section>
    </div>
  );
}
