import { useQuery } from "@tanstack/react-query";
import { TIMEFRAME_MS, type Timeframe } from "@keyflow/core";
import { trpc, trpcClient, type RouterOutputs } from "../lib/trpc";
import { errorMessage } from "../lib/errors";
import { queryClient } from "../lib/queryClient";
import { app } from "../app/appStore";
import { bytes, dateTime } from "../ui/format";
import { startDownload, useDownloads } from "./downloads";

export type SeriesRow = RouterOutputs["markets"]["list"][number];

const DERIVABLE: Timeframe[] = ["5m", "15m", "1h", "4h", "1d"];

export const seriesQuery = () => trpc.markets.list.queryOptions();
const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.markets.list.queryKey() });

async function removeSeries(s: SeriesRow) {
  const ok = await app.confirm({
    title: `Delete ${s.symbol} ${s.timeframe}?`,
    message: `All ${s.count.toLocaleString("en-US")} stored candles of ${s.exchangeName} ${s.symbol} ${s.timeframe} are deleted. Backtests that used them can no longer show their chart windows.`,
    confirm: "Delete candles",
    danger: true,
  });
  if (!ok) return;
  try {
    await trpcClient.markets.remove.mutate({ seriesId: s.id });
    await refresh();
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

async function derive(s: SeriesRow, timeframe: Timeframe) {
  try {
    const d = await trpcClient.markets.derive.mutate({ seriesId: s.id, timeframe });
    await refresh();
    app.toast(`${s.symbol} ${timeframe}: ${d.count.toLocaleString("en-US")} candles derived from ${s.timeframe}.`);
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

function GapsCell({ s }: { s: SeriesRow }) {
  if (s.gaps.count === 0) return <span className="dim">none</span>;
  const listed = s.gaps.gaps.map((g) => `${dateTime(g.after)} → ${dateTime(g.before)} UTC: ${g.missing.toLocaleString("en-US")} missing`).join("\n");
  return (
    <details className="gaps-cell" data-testid={`gaps-${s.id}`}>
      <summary className="warn-text">
        {s.gaps.count.toLocaleString("en-US")} ({s.gaps.missing.toLocaleString("en-US")} candles)
      </summary>
      <pre>{listed}{s.gaps.count > s.gaps.gaps.length ? `\n… ${s.gaps.count - s.gaps.gaps.length} more` : ""}</pre>
    </details>
  );
}

/** The stored candle series: where from, what span, how complete, how big; delete, update, derive. */
export function SeriesTable() {
  const q = useQuery({ ...seriesQuery(), refetchInterval: 15_000 });
  const jobs = useDownloads((s) => s.jobs);
  const running = Object.values(jobs).filter((j) => j.status === "running");
  if (q.isPending) return <div className="empty-note">Loading…</div>;
  if (q.isError) return <div className="error-banner">{errorMessage(q.error)}</div>;
  const rows = q.data;
  if (rows.length === 0) return <div className="empty-note">No candles stored yet. Download a market or drop a CSV file on the right.</div>;
  return (
    <table className="data-table" data-testid="series-table">
      <thead>
        <tr>
          <th>Exchange</th>
          <th>Symbol</th>
          <th>TF</th>
          <th>First candle (UTC)</th>
          <th>Last candle (UTC)</th>
          <th className="num">Candles</th>
          <th>Gaps</th>
          <th className="num">Size</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => {
          const busy = running.some((j) => j.exchange === s.exchange && j.symbol === s.symbol && j.timeframe === s.timeframe);
          const canDerive = DERIVABLE.filter((tf) => TIMEFRAME_MS[tf] > TIMEFRAME_MS[s.timeframe] && TIMEFRAME_MS[tf] % TIMEFRAME_MS[s.timeframe] === 0);
          return (
            <tr key={s.id} data-testid="series-row" data-market={`${s.exchange}|${s.symbol}|${s.timeframe}`}>
              <td>{s.exchangeName}</td>
              <td className="strong">{s.symbol}</td>
              <td>
                {s.timeframe}
                {s.source === "derived" && (
                  <span className="tag" title="Built from a lower timeframe stored here, not downloaded">
                    derived
                  </span>
                )}
                {s.source === "csv" && <span className="tag">CSV</span>}
              </td>
              <td className="mono">{s.firstTime === null ? "–" : dateTime(s.firstTime)}</td>
              <td className="mono">{s.lastTime === null ? "–" : dateTime(s.lastTime)}</td>
              <td className="num mono" data-testid="series-count">
                {s.count.toLocaleString("en-US")}
              </td>
              <td>
                <GapsCell s={s} />
              </td>
              <td className="num mono">{bytes(s.bytes)}</td>
              <td>
                <div className="actions">
                {s.source === "exchange" && (
                  <button
                    type="button"
                    className="btn small"
                    disabled={busy}
                    title="Download the candles since the last stored one"
                    onClick={() => void startDownload({ exchange: s.exchange, symbol: s.symbol, timeframe: s.timeframe }, s.firstTime ?? Date.now())}
                    data-testid="series-update"
                  >
                    {busy ? "Updating…" : "Update to now"}
                  </button>
                )}
                {canDerive.length > 0 && s.count > 0 && (
                  <select
                    className="select small"
                    value=""
                    onChange={(e) => e.target.value && void derive(s, e.target.value as Timeframe)}
                    title="Build a higher timeframe from these candles, without downloading"
                    data-testid="series-derive"
                  >
                    <option value="">Derive…</option>
                    {canDerive.map((tf) => (
                      <option key={tf} value={tf}>
                        {tf}
                      </option>
                    ))}
                  </select>
                )}
                {s.source !== "demo" && (
                  <button type="button" className="btn small ghost danger icon" onClick={() => void removeSeries(s)} data-testid="series-delete" title="Delete these candles" aria-label={`Delete ${s.symbol} ${s.timeframe}`}>
                    <svg width="13" height="13" viewBox="0 0 16 16" fill="none" aria-hidden="true">
                      <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" strokeLinejoin="round" />
                    </svg>
                  </button>
                )}
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
