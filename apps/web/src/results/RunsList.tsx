import type { ReactNode } from "react";
import { skipToken, useQuery, useQueryClient } from "@tanstack/react-query";
import { formatBytes, NAME_MAX } from "@keyflow/core";
import { app, useApp } from "../app/appStore";
import { trpc, trpcClient } from "../lib/trpc";
import { useEditor } from "../editor/store";
import { errorMessage } from "../lib/errors";
import { ago, date, pct, signClass } from "../ui/format";
import { VerificationBadge } from "./VerificationBadge";

export function useRuns(strategyId: string | null) {
  return useQuery(trpc.backtests.listForStrategy.queryOptions(strategyId ? { strategyId, limit: 100 } : skipToken));
}

export function RunsList() {
  const strategyId = useEditor((s) => s.strategyId);
  const shown = useApp((s) => s.shownRunId);
  const compare = useApp((s) => s.compare);
  const q = useRuns(strategyId);
  // Portfolio runs (one flow over several markets) are kept beside the single runs and listed with them.
  const portfolios = useQuery(trpc.backtests.portfolios.queryOptions(strategyId ? { strategyId } : skipToken));
  const storage = useQuery(trpc.backtests.storage.queryOptions(undefined, { enabled: q.isSuccess }));
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.backtests.listForStrategy.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.backtests.portfolios.pathKey() });
    void qc.invalidateQueries({ queryKey: trpc.backtests.storage.queryKey() });
  };
  const pin = async (runId: string, pinned: boolean) => {
    try {
      await trpcClient.backtests.pin.mutate({ runId, pinned });
      refresh();
    } catch (e) {
      app.toast(errorMessage(e), true);
    }
  };
  const rename = async (runId: string, current: string | null) => {
    const typed = window.prompt("Name this run (empty: label it by what it ran)", current ?? "");
    if (typed === null) return;
    try {
      await trpcClient.backtests.rename.mutate({ runId, name: typed.trim() === "" ? null : typed.trim().slice(0, NAME_MAX) });
      refresh();
    } catch (e) {
      app.toast(errorMessage(e), true);
    }
  };
  if (!strategyId) return <div className="empty-note">Save the strategy to keep its backtests.</div>;
  if (q.isPending) return <div className="empty-note">Loading…</div>;
  if (q.isError) return <div className="empty-note">{errorMessage(q.error)}</div>;
  const runs = [...q.data].sort((a, b) => b.createdAt - a.createdAt);
  const portfolioRuns = portfolios.data ?? [];
  if (runs.length === 0 && portfolioRuns.length === 0) return <div className="empty-note">Every backtest of this strategy is listed here; tick two to compare them side by side.</div>;
  const toggle = (id: string) => {
    const next = compare.includes(id) ? compare.filter((x) => x !== id) : [...compare, id].slice(-2);
    app.set({ compare: next });
  };
  return (
    <div className="runs" data-testid="runs-list">
      {runs.map((r) => (
        <div
          key={r.id}
          className={`run-row${r.id === shown ? " current" : ""}`}
          onClick={() => r.status === "done" && app.set({ shownRunId: r.id, comparing: false, view: "results" })}
          data-testid="run-row"
          data-run-id={r.id}
        >
          <input
            type="checkbox"
            checked={compare.includes(r.id)}
            disabled={r.status !== "done"}
            onClick={(e) => e.stopPropagation()}
            onChange={() => toggle(r.id)}
            title="Pick two runs to compare"
            data-testid="run-compare-check"
          />
          <div>
            <RunTitle name={r.name} onRename={() => void rename(r.id, r.name)} from={r.fromTime} to={r.toTime}>
              {r.symbol} {r.timeframe}
            </RunTitle>
            <div className="r-sub">
              <RunFacts run={r} disk="trades, chart, flow" />
              {r.rerunOf && " · run again"}
              {r.verification && (
                <>
                  {" · "}
                  <VerificationBadge verification={r.verification} compact />
                </>
              )}
            </div>
          </div>
          <div className={`r-ret ${signClass(r.metrics?.totalReturnPct ?? null)}`}>{pct(r.metrics?.totalReturnPct ?? null)}</div>
          <PinButton pinned={r.pinned} onToggle={() => void pin(r.id, !r.pinned)} testId="run-pin" />
        </div>
      ))}
      {portfolioRuns.map((r) => (
        <div
          key={r.id}
          className="run-row portfolio-run"
          onClick={() => r.status === "done" && app.set({ modal: "markets", shownPortfolioId: r.id })}
          data-testid="portfolio-run-row"
          data-run-id={r.id}
        >
          <span className="run-kind" title="One flow over several markets on shared cash">▦</span>
          <div>
            <RunTitle name={r.name} onRename={() => void rename(r.id, r.name)} from={r.fromTime} to={r.toTime} hint={r.data.map((d) => d.symbol).join(", ")}>
              Portfolio of {r.data.length} · {r.timeframe}
            </RunTitle>
            <div className="r-sub">
              <RunFacts run={r} disk="every market's trades, equity, flow" />
            </div>
          </div>
          <div className={`r-ret ${signClass(r.metrics?.totalReturnPct ?? null)}`}>{pct(r.metrics?.totalReturnPct ?? null)}</div>
          <PinButton pinned={r.pinned} onToggle={() => void pin(r.id, !r.pinned)} testId="portfolio-run-pin" />
        </div>
      ))}
      <div style={{ padding: 10 }}>
        <button type="button" className="btn small" disabled={compare.length !== 2} onClick={() => app.set({ comparing: true, view: "results" })} data-testid="compare-button">
          Compare {compare.length}/2 side by side
        </button>
        {storage.data && (
          <div className="runs-disk dim" data-testid="runs-disk" title="Older runs beyond the newest 50 of each strategy are removed; pinned runs stay.">
            {storage.data.runs} stored run{storage.data.runs === 1 ? " takes" : "s take"} {formatBytes(storage.data.runBytes)} · database {formatBytes(storage.data.fileBytes)}, candles {formatBytes(storage.data.candleBytes)}
          </div>
        )}
      </div>
    </div>
  );
}

/** A run's name (if given), what it ran and its range; a double-click renames it. */
function RunTitle({ name, onRename, from, to, hint, children }: { name: string | null; onRename: () => void; from: number | null; to: number | null; hint?: string; children: ReactNode }) {
  return (
    <div className="r-title" onDoubleClick={(e) => (e.stopPropagation(), onRename())} title={hint ? `${hint} · double-click to rename` : "Double-click to rename"}>
      {name && <b data-testid="run-name">{name} · </b>}
      {children}
      {from !== null && to !== null && (
        <span className="dim">
          {" "}
          · {date(from)} → {date(to)}
        </span>
      )}
    </div>
  );
}

/** When a run was made, its trade count and disk use, or how it ended when it did not finish. */
function RunFacts({ run, disk }: { run: { createdAt: number; metrics: { trades: number } | null; status: string; bytes: number; error: string | null }; disk: string }) {
  return (
    <>
      {ago(run.createdAt)}
      {run.metrics && ` · ${run.metrics.trades} trades`}
      {run.status === "done" && <span title={`Disk this run takes (${disk})`}> · {formatBytes(run.bytes)}</span>}
      {run.status !== "done" && ` · ${run.error ?? run.status}`}
    </>
  );
}

/** The star that pins a run (single or portfolio) so the retention of old runs keeps it. */
export function PinButton({ pinned, onToggle, testId }: { pinned: boolean; onToggle: () => void; testId: string }) {
  return (
    <button
      type="button"
      className={`btn ghost small pin${pinned ? " on" : ""}`}
      onClick={(e) => (e.stopPropagation(), onToggle())}
      title={pinned ? "Pinned: kept however many runs follow. Click to unpin." : "Pin: keep this run (older runs are removed after the newest 50)"}
      aria-pressed={pinned}
      data-testid={testId}
    >
      {pinned ? "★" : "☆"}
    </button>
  );
}
