// One flow over several markets as one portfolio on shared cash: pick stored markets of the flow's
// exchange and timeframe (their order is the order they take a free slot), the most positions open at
// once and the cash each gets; the choice is saved with the strategy (flow.portfolio) and the server
// runs and stores the portfolio (backtests.runPortfolio). Shows the portfolio and a row per market.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { PortfolioSettings } from "@keyflow/core";
import { app } from "../app/appStore";
import { savedStrategyRun } from "../app/backtest";
import { useEditor } from "../editor/store";
import { errorMessage } from "../lib/errors";
import { trpc, trpcClient } from "../lib/trpc";
import { useMarkets } from "../strategies/SettingsModal";
import { Modal } from "../ui/Modal";
import { date, num, pct, signClass } from "../ui/format";
import { path } from "./htmlReport";

type PortfolioRun = Awaited<ReturnType<typeof trpcClient.backtests.runPortfolio.mutate>>;

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
  const close = () => app.set({ modal: null });

  const marketCount = allQuote ? new Set([...picked, ...choices.filter((s) => quoteOf(s) === quote)]).size : picked.length;
  const maxOpen = maxOpenText.trim() === "" ? Math.max(1, marketCount) : Number(maxOpenText);
  const maxOpenBad = !Number.isInteger(maxOpen) || maxOpen < 1 || maxOpen > 100;
  const budget = budgetText.trim() === "" ? undefined : Number(budgetText);
  const budgetBad = budget !== undefined && !(Number.isFinite(budget) && budget > 0);
  const shownBudget = budget ?? settings.initialCash / (maxOpenBad ? 1 : maxOpen);

  // The strategy's last portfolio run, shown until a new one is made.
  const last = useQuery({ ...trpc.backtests.portfolios.queryOptions({ strategyId: strategyId ?? "" }), enabled: strategyId !== null && result === null });
  const lastId = last.data?.[0]?.id;
  const lastRun = useQuery({ ...trpc.backtests.portfolio.queryOptions({ id: lastId ?? "" }), enabled: lastId !== undefined && result === null });
  const shown = result ?? lastRun.data ?? null;

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
      setResult(await trpcClient.backtests.runPortfolio.mutate(pinned));
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
          <button type="button" className="btn run" disabled={busy || marketCount === 0 || maxOpenBad || budgetBad} onClick={() => void run()} data-testid="markets-run">
            {busy ? "Running…" : `Run on ${marketCount} market${marketCount === 1 ? "" : "s"}`}
          </button>
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
      {shown && <PortfolioView run={shown} />}
    </Modal>
  );
}

function PortfolioView({ run }: { run: PortfolioRun }) {
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
      <p className="dim markets-rules-used" data-testid="markets-rules-used">
        {run.markets.length} markets · {num(run.settings.initialCash, 0)} shared cash · at most {run.rules.maxOpenPositions} open · {num(run.rules.budgetPerPosition)} a position
      </p>
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
