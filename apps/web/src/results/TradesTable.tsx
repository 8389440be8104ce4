import { useMemo, useState } from "react";
import type { Trade } from "@keyflow/core";
import { dateTime, duration, money, pct, price, shortDateTime, signClass } from "../ui/format";

type Col = "entryTime" | "exitTime" | "entryPrice" | "exitPrice" | "returnPct" | "pnl" | "hold";

const COLS: { id: Col; label: string }[] = [
  { id: "entryTime", label: "Entry" },
  { id: "entryPrice", label: "In" },
  { id: "exitPrice", label: "Out" },
  { id: "hold", label: "Held" },
  { id: "returnPct", label: "Return" },
  { id: "pnl", label: "P&L" },
];

const value = (t: Trade, c: Col) => (c === "hold" ? t.exitTime - t.entryTime : t[c]);

export function sortTrades(trades: readonly Trade[], col: Col, dir: 1 | -1): Trade[] {
  return [...trades].sort((a, b) => (value(a, col) - value(b, col)) * dir || a.entryTime - b.entryTime);
}

const REASON: Record<Trade["exitReason"], string> = { signal: "signal", stopLoss: "stop", takeProfit: "target", trailingStop: "trail" };
/** Rendering thousands of rows costs more than the rest of the page; the rest is a click away. */
const PAGE = 300;

export function TradesTable({ trades, active, onPick }: { trades: readonly Trade[]; active: number | null; onPick: (t: Trade) => void }) {
  const [sort, setSort] = useState<{ col: Col; dir: 1 | -1 }>({ col: "entryTime", dir: 1 });
  const [limit, setLimit] = useState(PAGE);
  const rows = useMemo(() => sortTrades(trades, sort.col, sort.dir), [trades, sort]);
  // A take-profit step sold part of a position: later rows of the trades share its entry (docs/fills.md).
  const parts = useMemo(() => {
    const last = new Map<number, Trade>();
    for (const t of trades) last.set(t.entryTime, t);
    return new Set(trades.filter((t) => last.get(t.entryTime) !== t));
  }, [trades]);
  if (trades.length === 0) {
    return <div className="empty-note">No closed trades in this range. The entry condition never fired, or the position is still open — try a longer range or looser conditions.</div>;
  }
  return (
    <table className="trades" data-testid="trades-table">
      <thead>
        <tr>
          {COLS.map((c) => (
            <th
              key={c.id}
              className={`col-${c.id}${sort.col === c.id ? " sorted" : ""}`}
              onClick={() => setSort((s) => ({ col: c.id, dir: s.col === c.id ? (-s.dir as 1 | -1) : c.id === "entryTime" ? 1 : -1 }))}
              data-testid={`trades-sort-${c.id}`}
            >
              {c.label}
              {sort.col === c.id ? (sort.dir === 1 ? " ▲" : " ▼") : ""}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.slice(0, limit).map((t, i) => (
          <tr key={`${t.entryTime}-${t.exitTime}-${i}`} className={active === t.entryTime ? "active" : ""} onClick={() => onPick(t)} data-testid="trade-row">
            <td title={`Entry ${dateTime(t.entryTime)} · exit ${dateTime(t.exitTime)} (${REASON[t.exitReason]})`}>{shortDateTime(t.entryTime)}</td>
            <td className="col-entryPrice">{price(t.entryPrice)}</td>
            <td>
              {price(t.exitPrice)}{" "}
              {parts.has(t) ? (
                <span className="reason" title={`A take-profit step: sold ${+t.qty.toPrecision(6)} of the position, the rest later`} data-testid="trade-part">
                  part
                </span>
              ) : (
                t.exitReason !== "signal" && <span className="reason">{REASON[t.exitReason]}</span>
              )}
            </td>
            <td>{duration(t.exitTime - t.entryTime)}</td>
            <td className={signClass(t.returnPct)}>{pct(t.returnPct)}</td>
            <td className={`col-pnl ${signClass(t.pnl)}`}>{money(t.pnl)}</td>
          </tr>
        ))}
        {rows.length > limit && (
          <tr>
            <td colSpan={COLS.length} style={{ textAlign: "center" }}>
              <button type="button" className="btn small ghost" onClick={() => setLimit((l) => l + PAGE * 4)}>
                Show more ({rows.length - limit} left)
              </button>
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
