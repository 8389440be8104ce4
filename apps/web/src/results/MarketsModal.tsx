// One flow over several markets: pick stored markets of the flow's exchange and timeframe, run the
// saved strategy on each (ordinary runs, each opened like any other), and read a row per market with
// the portfolio's totals (the cash split equally between the markets).
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { app } from "../app/appStore";
import { savedStrategyRun } from "../app/backtest";
import { useEditor } from "../editor/store";
import { errorMessage } from "../lib/errors";
import { trpc, trpcClient } from "../lib/trpc";
import { useMarkets } from "../strategies/SettingsModal";
import { Modal } from "../ui/Modal";
import { pct } from "../ui/format";

type Started = Awaited<ReturnType<typeof trpcClient.backtests.runMarkets.mutate>>["markets"];

export function MarketsModal() {
  const market = useEditor((s) => s.flow.market);
  const series = useMarkets();
  const choices = (series.data ?? []).filter((s) => s.exchange === market.exchange && s.timeframe === market.timeframe && s.count > 0).map((s) => s.symbol);
  const [picked, setPicked] = useState<string[]>([market.symbol]);
  const [started, setStarted] = useState<Started | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => app.set({ modal: null });

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const pinned = await savedStrategyRun();
      if (typeof pinned === "string") return setError(pinned);
      setStarted((await trpcClient.backtests.runMarkets.mutate({ ...pinned, symbols: picked })).markets);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      title="Backtest over several markets"
      subtitle={`${market.exchange} · ${market.timeframe}: each market is an ordinary run; the portfolio splits the cash equally between them.`}
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
          <button type="button" className="btn run" disabled={busy || picked.length === 0} onClick={() => void run()} data-testid="markets-run">
            Run on {picked.length} market{picked.length === 1 ? "" : "s"}
          </button>
        </>
      }
    >
      <div className="markets-pick" data-testid="markets-pick">
        {choices.length === 0 && <p className="dim">No stored {market.timeframe} markets of {market.exchange}: download some on the Data page.</p>}
        {choices.map((symbol) => (
          <label key={symbol} className="markets-choice">
            <input
              type="checkbox"
              checked={picked.includes(symbol)}
              onChange={(e) => setPicked((p) => (e.target.checked ? [...p, symbol] : p.filter((x) => x !== symbol)))}
              data-testid={`markets-choice-${symbol}`}
            />
            {symbol}
          </label>
        ))}
      </div>
      {started && <MarketsTable started={started} />}
    </Modal>
  );
}

function MarketsTable({ started }: { started: Started }) {
  const runIds = started.flatMap((m) => ("run" in m ? [m.run.runId] : []));
  const summary = useQuery({
    ...trpc.backtests.markets.queryOptions({ runIds }),
    enabled: runIds.length > 0,
    // Poll while any market is still running.
    refetchInterval: (q) => (q.state.data && q.state.data.rows.every((r) => r.status !== "queued" && r.status !== "running") ? false : 500),
  });
  const rows = new Map((summary.data?.rows ?? []).map((r) => [r.runId, r]));
  const total = summary.data?.portfolio;
  return (
    <table className="report-table markets-table" data-testid="markets-table">
      <thead>
        <tr>
          <th>Market</th>
          <th>Return</th>
          <th>Trades</th>
          <th>Max drawdown</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {started.map((m) => {
          if ("error" in m) {
            return (
              <tr key={m.symbol} data-testid={`markets-row-${m.symbol}`}>
                <td>{m.symbol}</td>
                <td colSpan={4} className="dim">
                  {m.error}
                </td>
              </tr>
            );
          }
          const r = rows.get(m.run.runId);
          const done = r?.status === "done";
          return (
            <tr key={m.symbol} data-testid={`markets-row-${m.symbol}`} data-status={r?.status ?? "queued"}>
              <td>{m.symbol}</td>
              <td className={done && r.returnPct! < 0 ? "neg" : "pos"}>{done ? pct(r.returnPct) : (r?.status ?? "queued")}</td>
              <td>{done ? r.trades : ""}</td>
              <td>{done ? pct(-r.maxDrawdownPct!, 2, false) : ""}</td>
              <td>
                <button
                  type="button"
                  className="btn small"
                  disabled={!done}
                  onClick={() => app.set({ modal: null, shownRunId: m.run.runId, comparing: false, view: "results" })}
                  data-testid={`markets-open-${m.symbol}`}
                >
                  Open
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
      {total && (
        <tfoot>
          <tr data-testid="markets-total">
            <th>Portfolio</th>
            <th className={total.returnPct < 0 ? "neg" : "pos"}>{pct(total.returnPct)}</th>
            <th>{total.trades}</th>
            <th>{pct(-total.maxDrawdownPct, 2, false)}</th>
            <th />
          </tr>
        </tfoot>
      )}
    </table>
  );
}
