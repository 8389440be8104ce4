import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { trpc, type RouterOutputs } from "../lib/trpc";
import { errorMessage } from "../lib/errors";
import { dateTime, price } from "../ui/format";
import type { BotView } from "./types";

type Drift = RouterOutputs["bots"]["drift"];

const bps = (x: number | null) => (x === null ? "—" : `${x.toFixed(2)} bps`);

/** How far the bot is from its backtest on the candles it received (the drift report), refreshed with each candle. */
export function DriftPanel({ bot }: { bot: BotView }) {
  const [open, setOpen] = useState(false);
  const q = useQuery(trpc.bots.drift.queryOptions({ id: bot.id }, { staleTime: 5_000 }));
  const { refetch } = q;
  // Each candle the bot processes (and each fill, which moves its position) refreshes the report.
  useEffect(() => {
    void refetch();
  }, [bot.lastBarTime, bot.position.qty, refetch]);
  const d: Drift | undefined = q.data;
  return (
    <div className="drift" data-testid="drift" data-agreement={d ? String(d.signals.agreement) : undefined}>
      <button type="button" className="drift-head" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="drift-toggle">
        <span className="side-head-title">Drift from the backtest</span>
        {q.error && <span className="neg">{errorMessage(q.error)}</span>}
        {d && (
          <span className="drift-summary" data-testid="drift-summary">
            <b className={d.signals.agreement === 1 ? "pos" : "neg"}>{(d.signals.agreement * 100).toFixed(0)} % of fills agree</b> ({d.signals.matched} of {Math.max(d.signals.backtest, d.signals.bot)}) · price {bps(d.slippageBps.mean)} · fees {bps(d.feeBps.mean)} · {d.candles.received} candles
            {d.candles.late > 0 && `, ${d.candles.late} late`}
            {d.candles.gaps > 0 && `, ${d.candles.gaps} missing`}
            {d.signals.exitDowntime > 0 && ` · ${d.signals.exitDowntime} exit${d.signals.exitDowntime === 1 ? "" : "s"} after downtime`}
          </span>
        )}
        <span className="spacer" />
        <span className="drift-caret">{open ? "▾" : "▸"}</span>
      </button>
      {open && d && (
        <div className="drift-body scroll">
          <p className="help">
            The candles this bot received, replayed through the backtest engine. A row per candle on which either filled something; the price difference is how much worse (positive) or better the bot's price was, in basis points; fees are the bot's rate minus the flow's {(d.feeRate * 100).toFixed(3)} %.
          </p>
          {d.rows.length === 0 ? (
            <div className="empty-note">Neither the backtest nor the bot has traded on these candles yet.</div>
          ) : (
            <table className="trades" data-testid="drift-table">
              <thead>
                <tr>
                  <th>Candle</th>
                  <th>Side</th>
                  <th>Backtest</th>
                  <th>Bot</th>
                  <th>Price diff.</th>
                  <th>Fee diff.</th>
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={`${r.time}-${r.side}`} data-testid="drift-row" className={r.backtest && r.bot ? "" : "drift-miss"}>
                    <td>{dateTime(r.time)}</td>
                    <td className={r.side === "buy" ? "pos" : "neg"}>{r.side}</td>
                    <td>{r.backtest ? `${r.backtest.what} ${price(r.backtest.price)}` : "—"}</td>
                    <td>{r.bot ? `${r.bot.what} ${price(r.bot.price)}` : "—"}</td>
                    <td>{bps(r.slippageBps)}</td>
                    <td>{bps(r.feeBps)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}
