import { useCallback, useDeferredValue, useRef, useState } from "react";
import type { Trade } from "@keyflow/core";
import { app, appStore, useApp } from "../app/appStore";
import { runAgain, runBacktest } from "../app/backtest";
import { useEditor } from "../editor/store";
import { blockedReason } from "../editor/validation";
import { errorMessage } from "../lib/errors";
import { KpiCards } from "./Kpis";
import { PriceChart, type PriceChartHandle } from "./PriceChart";
import { TradesTable } from "./TradesTable";
import { RunsList } from "./RunsList";
import { CompareView } from "./CompareView";
import { compact, date, dateTime } from "../ui/format";
import { chartView, type RunView } from "./runView";
import { useRun } from "./useRun";
import { ReportView } from "./ReportView";
import { ReproductionNote, VerificationBadge } from "./VerificationBadge";
import { MonteCarloView } from "../research/MonteCarloView";
import { HoldoutNote } from "../research/HoldoutNote";
import { DevDetail, DetailsToggle } from "../ui/Details";
import { trpcClient } from "../lib/trpc";

function Empty() {
  const validation = useEditor((s) => s.validation);
  const reason = blockedReason(validation);
  return (
    <div className="results-empty" data-testid="results-empty">
      <div>
        <svg width="44" height="44" viewBox="0 0 48 48" fill="none">
          <rect x="4" y="8" width="40" height="32" rx="5" stroke="#2c3545" strokeWidth="2" />
          <path d="M10 32l8-9 6 5 12-13" stroke="#3d8bfd" strokeWidth="2.5" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <h3>No backtest yet</h3>
        <p>{reason ? `${reason} Then press Backtest to see how the strategy would have traded.` : "Press Backtest to run this strategy over the market's history: trades, equity and key numbers appear here."}</p>
        <button type="button" className="btn run" disabled={!!reason} onClick={() => void runBacktest()}>
          Run backtest
        </button>
        {reason && (
          <div style={{ marginTop: 10 }}>
            <button type="button" className="btn ghost small" onClick={() => app.set({ view: "editor" })}>
              Back to the editor
            </button>
          </div>
        )}
      </div>
    </div>
  );
}

const EMPTY: RunView["trades"] = [];

function RunDetail({ run }: { run: RunView }) {
  const chart = useRef<PriceChartHandle>(null);
  const [active, setActive] = useState<number | null>(null);
  const drawMs = useApp((s) => s.lastDrawMs);
  // The chart paints first; the table (thousands of trades on 1m data) follows a moment later.
  const trades = useDeferredValue(run.trades, EMPTY);
  const [tab, setTab] = useState<"chart" | "report" | "montecarlo">("chart");
  const onPick = (t: Trade) => {
    setTab("chart");
    setActive(t.entryTime);
    chart.current?.showTrade(t);
  };
  const loadDetail = useCallback(
    async (from: number, to: number) => chartView(await trpcClient.backtests.window.query({ runId: run.id, from: Math.max(0, Math.floor(from)), to: Math.floor(to) }), run.flow),
    [run.id, run.flow],
  );
  const onDrawn = useCallback(() => {
    const { run: r } = appStore.getState();
    if (r.runId === run.id && r.clickedAt !== null && appStore.getState().lastDrawMs === null) {
      const ms = Math.round(performance.now() - r.clickedAt);
      app.set({ lastDrawMs: ms });
      // The browser test reads this mark.
      performance.mark("keyflow:results-drawn", { detail: { runId: run.id, ms } });
    }
  }, [run.id]);
  const open = run.openPosition;
  const drawnMs = drawMs !== null && appStore.getState().run.runId === run.id ? drawMs : null;
  return (
    <div className="results" data-testid="results" data-run-id={run.id} {...(drawnMs !== null ? { "data-draw-ms": drawnMs } : {})}>
      <div className="results-main">
        <div className="results-head">
          <h2>{run.flow.name}</h2>
          <span data-testid="results-head-market">
            {run.exchange === "demo" ? "Demo" : run.exchange} {run.symbol} · {run.timeframe}
          </span>
          <span title="Open times of the first and last candle this run used (UTC)" data-testid="results-head-range">
            {dateTime(run.fromTime)} → {dateTime(run.toTime)}
          </span>
          <span>{compact(run.bars)} bars</span>
          <HoldoutNote strategyId={run.strategyId} createdAt={run.createdAt} toTime={run.toTime} />
          {open && (
            <span title={`Entered ${dateTime(open.entryTime)} at ${open.entryPrice}`}>
              open position {open.returnPct >= 0 ? "+" : ""}
              {open.returnPct.toFixed(2)}%
            </span>
          )}
          <span className="spacer" />
          <button
            type="button"
            className="btn small"
            onClick={() => void runAgain(run.id)}
            title="Run this again: same strategy version, market, range and settings, on the candles stored now; says whether the result is identical"
            data-testid="run-again"
          >
            Run again
          </button>
          <div className="seg" role="tablist" aria-label="Results view">
            {(["chart", "report", "montecarlo"] as const).map((t) => (
              <button key={t} type="button" role="tab" aria-selected={tab === t} className={`seg-btn${tab === t ? " active" : ""}`} onClick={() => setTab(t)} data-testid={`results-tab-${t}`}>
                {t === "chart" ? "Chart" : t === "report" ? "Report" : "Monte Carlo"}
              </button>
            ))}
          </div>
          <DevDetail>
            {drawnMs !== null && (
              <span className="dim" data-testid="draw-time" data-ms={drawnMs}>
                click → drawn {drawnMs} ms
              </span>
            )}
            <span className="hash" title="Spec hash of the strategy this run used" data-testid="run-spec-hash" data-hash={run.specHash}>
              {run.specHash.slice(0, 12)}
            </span>
          </DevDetail>
          <DetailsToggle />
        </div>
        {run.gaps.count > 0 && <GapWarning gaps={run.gaps} />}
        <div>
          {(run.verification || run.rerunOf) && (
            <div className="results-checks">
              {run.verification && <VerificationBadge verification={run.verification} />}
              {run.rerunOf && <ReproductionNote runId={run.id} />}
            </div>
          )}
          <KpiCards metrics={run.metrics} />
        </div>
        <div className="results-body">
          {/* The chart stays mounted under the report, so its zoom and the PNG export survive a switch. */}
          <div className="results-pane" hidden={tab !== "chart"}>
            <PriceChart ref={chart} run={run} onDrawn={onDrawn} loadDetail={loadDetail} />
          </div>
          {tab === "report" && <ReportView run={run} chartPng={() => chart.current?.png() ?? Promise.resolve(null)} />}
          {tab === "montecarlo" && <MonteCarloView runId={run.id} />}
        </div>
      </div>
      <aside className="results-side">
        <div className="side-head">
          Trades <span className="dim">{run.trades.length}</span>
        </div>
        <div className="scroll">
          {trades === run.trades ? <TradesTable trades={trades} active={active} onPick={onPick} /> : <div className="empty-note">Loading {run.trades.length.toLocaleString("en-US")} trades…</div>}
        </div>
        <div className="side-head" style={{ borderTop: "1px solid var(--border)" }}>
          Past runs
        </div>
        <div className="scroll">
          <RunsList />
        </div>
      </aside>
    </div>
  );
}

export function ResultsView() {
  const shownRunId = useApp((s) => s.shownRunId);
  const comparing = useApp((s) => s.comparing);
  const q = useRun(shownRunId);
  if (comparing) return <CompareView />;
  if (!shownRunId) {
    return (
      <div className="results">
        <Empty />
        <aside className="results-side" style={{ gridTemplateRows: "auto 1fr" }}>
          <div className="side-head">Past runs</div>
          <div className="scroll">
            <RunsList />
          </div>
        </aside>
      </div>
    );
  }
  if (q.isPending) return <div className="results-empty">Loading the result…</div>;
  if (q.isError)
    return (
      <div className="results-empty">
        <div>
          <h3>Could not load this run</h3>
          <p>{errorMessage(q.error)}</p>
          <button type="button" className="btn" onClick={() => app.set({ shownRunId: null })}>
            Back
          </button>
        </div>
      </div>
    );
  return <RunDetail run={q.data} />;
}

/** Candles missing inside the run's range: trades across a hole may not be what the market did. */
function GapWarning({ gaps }: { gaps: RunView["gaps"] }) {
  return (
    <div className="gap-warning" role="alert" data-testid="gap-warning">
      <b>
        {gaps.count} gap{gaps.count === 1 ? "" : "s"} in these candles ({gaps.missing.toLocaleString("en-US")} missing).
      </b>{" "}
      {gaps.gaps.slice(0, 3).map((g, i) => (
        <span key={g.after}>
          {i > 0 ? "; " : ""}
          {dateTime(g.after)} → {dateTime(g.before)} ({g.missing.toLocaleString("en-US")} missing)
        </span>
      ))}
      {gaps.count > 3 ? "; …" : ""}. Trades across a gap may not be what the market did; fill it from the Data page.
    </div>
  );
}
