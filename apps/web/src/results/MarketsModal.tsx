// One flow over several markets as one portfolio on shared cash: pick stored markets of the flow's
// exchange and timeframe (their order is the order they take a free slot), the most positions open at
// once and the cash each gets; the choice is saved with the strategy (flow.portfolio) and the server
// queues the portfolio on its backtest workers (backtests.runPortfolio); this follows its progress and
// then shows the portfolio and a row per market (or the past run picked in the runs list).
import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { PortfolioSettings } from "@keyflow/core";
import { app, useApp } from "../app/appStore";
import { savedStrategyRun } from "../app/backtest";
import { useEditor } from "../editor/store";
import { errorMessage } from "../lib/errors";
import { trpc, trpcClient } from "../lib/trpc";
import { useMarkets } from "../strategies/SettingsModal";
import { Modal } from "../ui/Modal";
import { compact, date, num, pct, signClass } from "../ui/format";
import { downloadFile } from "../ui/download";
import { path } from "./htmlReport";
import { PinButton } from "./RunsList";

type StoredPortfolio = Awaited<ReturnType<typeof trpcClient.backtests.portfolio.query>>;
type PortfolioRun = StoredPortfolio & { markets: NonNullable<StoredPortfolio["markets"]>; metrics: NonNullable<StoredPortfolio["metrics"]>; equity: NonNullable<StoredPortfolio["equity"]> };
const finished = (r: StoredPortfolio | undefined | null): r is PortfolioRun => !!r && r.status === "done" && r.markets !== null && r.metrics !== null && r.equity !== null;

/** A queued or running portfolio run being followed (backtests.progress). */
interface Following {
  runId: string;
  percent: number;
  barsPerSec: number;
}

const quoteOf = (symbol: string) => symbol.split(":")[0]!.split("/")[1] ?? "";

export function MarketsModal() {
  const flow = useEditor((s) => s.flow);
  const strategyId = useEditor((s) => s.strategyId);
  const setPortfolio = useEditor((s) => s.setPortfolio);
  const { market, settings } = flow;
  const saved = flow.portfolio;
  const series = useMarkets();
  const choices = (series.data ?? []).filter((s) => s.exchange === market.exchange && s.timeframe === market.timeframe && s.count > 0).map((s) => s.symbol);
  const quote = quoteOf(market.symbol);
  const [picked, setPicked] = useState<string[]>(saved?.symbols.length ? saved.symbols : [market.symbol]);
  const [allQuote, setAllQuote] = useState(saved?.allStoredQuote !== undefined);
  const [maxOpenText, setMaxOpenText] = useState(saved ? String(saved.maxOpenPositions) : "");
  const [budgetText, setBudgetText] = useState(saved?.budgetPerPosition !== undefined ? String(saved.budgetPerPosition) : "");
  const [result, setResult] = useState<PortfolioRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [following, setFollowing] = useState<Following | null>(null);
  const pickedRun = useApp((s) => s.shownPortfolioId);
  const qc = useQueryClient();
  const close = () => app.set({ modal: null, shownPortfolioId: null });

  const marketCount = allQuote ? new Set([...picked, ...choices.filter((s) => quoteOf(s) === quote)]).size : picked.length;
  const maxOpen = maxOpenText.trim() === "" ? Math.max(1, marketCount) : Number(maxOpenText);
  const maxOpenBad = !Number.isInteger(maxOpen) || maxOpen < 1 || maxOpen > 100;
  const budget = budgetText.trim() === "" ? undefined : Number(budgetText);
  const budgetBad = budget !== undefined && !(Number.isFinite(budget) && budget > 0);
  const shownBudget = budget ?? settings.initialCash / (maxOpenBad ? 1 : maxOpen);

  // The run picked in the runs list, else the strategy's last finished one, shown until a new one is made.
  const last = useQuery({ ...trpc.backtests.portfolios.queryOptions({ strategyId: strategyId ?? "" }), enabled: strategyId !== null && result === null && pickedRun === null });
  const lastId = pickedRun ?? last.data?.find((r) => r.status === "done")?.id;
  const lastRun = useQuery({ ...trpc.backtests.portfolio.queryOptions({ id: lastId ?? "" }), enabled: lastId !== undefined && result === null });
  const shown = result ?? (finished(lastRun.data) ? lastRun.data : null);

  // Follows the queued run on the server's workers; the result is read once it is done.
  const followingId = following?.runId ?? null;
  useEffect(() => {
    if (followingId === null) return;
    const refresh = () => void qc.invalidateQueries({ queryKey: trpc.backtests.portfolios.pathKey() });
    const sub = trpcClient.backtests.progress.subscribe(
      { runId: followingId },
      {
        onData: (p) => {
          if (p.status === "queued" || p.status === "running") return setFollowing({ runId: followingId, percent: p.percent, barsPerSec: p.barsPerSec });
          sub.unsubscribe();
          setFollowing(null);
          refresh();
          if (p.status === "done") {
            void trpcClient.backtests.portfolio
              .query({ id: followingId })
              .then((r) => (finished(r) ? setResult(r) : setError(r.error ?? "The portfolio run did not finish.")))
              .catch((e: unknown) => setError(errorMessage(e)));
          } else setError(p.status === "cancelled" ? "Cancelled." : (p.error ?? "The portfolio run failed."));
        },
        onError: (e) => (setFollowing(null), setError(errorMessage(e))),
      },
    );
    return () => sub.unsubscribe();
  }, [followingId, qc]);

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const portfolio: PortfolioSettings = {
        symbols: picked,
        maxOpenPositions: maxOpen,
        ...(allQuote && quote ? { allStoredQuote: quote } : {}),
        ...(budget !== undefined ? { budgetPerPosition: budget } : {}),
      };
      setPortfolio(portfolio);
      const pinned = await savedStrategyRun();
      if (typeof pinned === "string") return setError(pinned);
      const { runId } = await trpcClient.backtests.runPortfolio.mutate(pinned);
      setResult(null);
      setFollowing({ runId, percent: 0, barsPerSec: 0 });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      title="Backtest over several markets"
      subtitle={`${market.exchange} · ${market.timeframe}: one portfolio on shared cash. Markets take a free slot in the order you tick them; when no slot or no cash is free, an entry is skipped.`}
      onClose={close}
      size="wide"
      testId="markets-modal"
      footer={
        <>
          {error && (
            <span className="field-error" role="alert" data-testid="markets-error">
              {error}
            </span>
          )}
          {following ? (
            <div className="progress" data-testid="markets-progress">
              <div className="progress-track">
                <div className="progress-fill" style={{ width: `${Math.max(2, Math.min(100, following.percent))}%` }} />
              </div>
              <span style={{ minWidth: 34 }}>{Math.floor(following.percent)}%</span>
              {following.barsPerSec > 0 && <span className="dim">{compact(following.barsPerSec)} bars/s</span>}
              <button type="button" className="btn small" onClick={() => void trpcClient.backtests.cancel.mutate({ runId: following.runId }).catch((e: unknown) => setError(errorMessage(e)))} data-testid="markets-cancel">
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="btn run" disabled={busy || marketCount === 0 || maxOpenBad || budgetBad} onClick={() => void run()} data-testid="markets-run">
              {busy ? "Starting…" : `Run on ${marketCount} market${marketCount === 1 ? "" : "s"}`}
            </button>
          )}
        </>
      }
    >
      <div className="markets-pick" data-testid="markets-pick">
        {choices.length === 0 && <p className="dim">No stored {market.timeframe} markets of {market.exchange}: download some on the Data page.</p>}
        {choices.map((symbol) => {
          const slot = picked.indexOf(symbol);
          return (
            <label key={symbol} className="markets-choice">
              <input
                type="checkbox"
                checked={slot >= 0}
                onChange={(e) => setPicked((p) => (e.target.checked ? [...p, symbol] : p.filter((x) => x !== symbol)))}
                data-testid={`markets-choice-${symbol}`}
              />
              {symbol}
              {slot >= 0 && <span className="markets-slot" title="Order in which this market takes a free slot">{slot + 1}</span>}
            </label>
          );
        })}
        {quote && (
          <label className="markets-choice markets-all" title={`Every stored ${market.exchange} ${market.timeframe} series quoted in ${quote}, also ones downloaded later (after the ticked ones, by name)`}>
            <input type="checkbox" checked={allQuote} onChange={(e) => setAllQuote(e.target.checked)} data-testid="markets-all-quote" />
            All stored {quote} markets
          </label>
        )}
      </div>
      <div className="field-row markets-rules">
        <div className="field">
          <label>
            <span>Max open positions</span>
            <span className="range">1 – 100</span>
          </label>
          <input
            className={`input${maxOpenBad ? " invalid" : ""}`}
            type="number"
            min={1}
            max={100}
            step={1}
            placeholder={String(Math.max(1, marketCount))}
            value={maxOpenText}
            onChange={(e) => setMaxOpenText(e.target.value)}
            data-testid="markets-max-open"
          />
        </div>
        <div className="field">
          <label>
            <span>Budget per position</span>
            <span className="range">of {num(settings.initialCash, 0)} shared cash</span>
          </label>
          <input
            className={`input${budgetBad ? " invalid" : ""}`}
            type="number"
            min={0}
            step="any"
            placeholder={`${num(shownBudget, 2)} (cash ÷ max open)`}
            value={budgetText}
            onChange={(e) => setBudgetText(e.target.value)}
            data-testid="markets-budget"
          />
        </div>
      </div>
      {shown && <PortfolioView run={shown} onPinned={(pinned) => setResult({ ...shown, pinned })} />}
    </Modal>
  );
}

/** Downloads the portfolio run as a result file anyone can verify (`keyflow verify`). */
async function exportPortfolio(runId: string): Promise<void> {
  try {
    const { fileName, bundle } = await trpcClient.backtests.exportPortfolio.query({ runId });
    downloadFile(fileName, new Blob([`${JSON.stringify(bundle)}\n`], { type: "application/json" }));
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

function PortfolioView({ run, onPinned }: { run: PortfolioRun; onPinned: (pinned: boolean) => void }) {
  const qc = useQueryClient();
  const pin = async () => {
    try {
      await trpcClient.backtests.pin.mutate({ runId: run.id, pinned: !run.pinned });
      onPinned(!run.pinned);
      void qc.invalidateQueries({ queryKey: trpc.backtests.portfolios.pathKey() });
    } catch (e) {
      app.toast(errorMessage(e), true);
    }
  };
  const m = run.metrics;
  const eq = run.equity;
  const t0 = eq.time[0] ?? 0;
  const t1 = eq.time.at(-1) ?? 1;
  const line = eq.time.length > 1 ? path(eq.time, eq.value, t0, t1, 900, 110).d : "";
  const end = Math.max(...run.markets.map((x) => x.last ?? 0));
  const kpis: [string, string, string][] = [
    ["Final equity", num(m.finalEquity), ""],
    ["Return", pct(m.totalReturnPct), signClass(m.totalReturnPct)],
    ["Buy & hold", pct(m.buyHoldReturnPct), signClass(m.buyHoldReturnPct)],
    ["Max drawdown", pct(-m.maxDrawdownPct, 2, false), "neg"],
    ["Sharpe", m.sharpe.toFixed(2), ""],
    ["Trades", String(m.trades), ""],
    ["Fees", num(m.fees), ""],
  ];
  return (
    <section className="markets-result" data-testid="markets-result" data-portfolio-id={run.id}>
      <div className="markets-result-head">
        <p className="dim markets-rules-used" data-testid="markets-rules-used">
          {run.name && <b>{run.name} · </b>}
          {run.markets.length} markets · {num(run.settings.initialCash, 0)} shared cash · at most {run.rules.maxOpenPositions} open · {num(run.rules.budgetPerPosition)} a position · run {date(run.createdAt)}
        </p>
        <PinButton pinned={run.pinned} onToggle={() => void pin()} testId="markets-pin" />
        <button type="button" className="btn small" onClick={() => void exportPortfolio(run.id)} title="A file anyone can check on their own candles: keyflow verify <file>" data-testid="markets-export">
          Export result
        </button>
      </div>
      <div className="kpis markets-kpis" data-testid="markets-kpis">
        {kpis.map(([k, v, cls]) => (
          <div className="kpi" key={k} title={k === "Buy & hold" ? "The markets bought in equal parts on their first candle and held" : undefined}>
            <div className="k">{k}</div>
            <div className={`v ${cls}`}>{v}</div>
          </div>
        ))}
      </div>
      {line && (
        <svg className="markets-equity" viewBox="0 0 900 110" preserveAspectRatio="none" role="img" aria-label="Portfolio equity" data-testid="markets-equity">
          <path d={line} />
        </svg>
      )}
      <table className="report-table markets-table" data-testid="markets-table">
        <thead>
          <tr>
            <th>Market</th>
            <th>Trades</th>
            <th>Win rate</th>
            <th>Profit</th>
            <th title="Entries the flow signalled while no slot or no cash was free">Skipped entries</th>
            <th>Open now</th>
          </tr>
        </thead>
        <tbody>
          {run.markets.map((x) => {
            const profit = x.pnl + (x.openPosition?.unrealizedPnl ?? 0);
            const wins = x.trades.filter((t) => t.pnl > 0).length;
            return (
              <tr key={x.symbol} data-testid={`markets-row-${x.symbol}`}>
                <td>
                  {x.symbol}
                  {x.last !== null && x.last < end && (
                    <span className="dim markets-ends" title="Its candles end before the others': an open position is held at its last close (and keeps its slot) to the end">
                      {" "}
                      · candles end {date(x.last)}
                    </span>
                  )}
                </td>
                <td>{x.trades.length}</td>
                <td>{x.trades.length > 0 ? pct((wins / x.trades.length) * 100, 1, false) : "–"}</td>
                <td className={signClass(profit)}>{num(profit)}</td>
                <td>{x.skippedEntries}</td>
                <td>{x.openPosition ? `since ${date(x.openPosition.entryTime)}` : "–"}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr data-testid="markets-total">
            <th>Portfolio</th>
            <th>{m.trades}</th>
            <th>{pct(m.winRatePct, 1, false)}</th>
            <th className={signClass(m.netProfit)}>{num(m.netProfit)}</th>
            <th>{run.markets.reduce((s, x) => s + x.skippedEntries, 0)}</th>
            <th>{run.markets.filter((x) => x.openPosition).length}</th>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
