import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Market, Timeframe } from "@keyflow/core";
import { trpc } from "../lib/trpc";
import { errorMessage } from "../lib/errors";
import { clock, date, dateTime } from "../ui/format";
import { cancelDownload, dismissDownload, startDownload, useDownloads, type DownloadProgress } from "./downloads";

const DAY = 86_400_000;
const SHOWN_MATCHES = 40;

/** Matches by symbol, base or quote: "btc" finds BTC/USDT and WBTC/BTC, "usdc" every USDC market. */
export function matchMarkets<T extends { symbol: string; base: string; quote: string }>(markets: readonly T[], text: string): T[] {
  const q = text.trim().toUpperCase().replace(/[-_ ]/g, "/");
  if (!q) return markets.slice(0, SHOWN_MATCHES);
  const exact = (m: T) => (m.symbol.toUpperCase() === q ? 0 : m.base.toUpperCase() === q ? 1 : m.quote.toUpperCase() === q ? 2 : m.base.toUpperCase().startsWith(q) ? 3 : 4);
  return markets
    .filter((m) => m.symbol.toUpperCase().includes(q) || m.base.toUpperCase().includes(q) || m.quote.toUpperCase() === q)
    .sort((a, b) => exact(a) - exact(b) || a.symbol.localeCompare(b.symbol))
    .slice(0, SHOWN_MATCHES);
}

/** Exchange, symbol (searched in the exchange's markets), timeframe and start date; then Download. */
export function DownloadForm({ initial, onStarted }: { initial?: Partial<Market>; onStarted?: (jobId: string, market: Market) => void }) {
  const exchanges = useQuery({ ...trpc.markets.exchanges.queryOptions(), staleTime: Infinity });
  const [exchange, setExchange] = useState(initial?.exchange ?? "binance");
  const markets = useQuery({ ...trpc.markets.exchangeMarkets.queryOptions({ exchange }), staleTime: Infinity, retry: false });
  const [search, setSearch] = useState(initial?.symbol ?? "");
  const [symbol, setSymbol] = useState(initial?.symbol ?? "");
  const [timeframe, setTimeframe] = useState<Timeframe>(initial?.timeframe ?? "1h");
  const [start, setStart] = useState(date(Date.now() - 365 * DAY));
  const matches = useMemo(() => matchMarkets(markets.data?.markets ?? [], search), [markets.data, search]);
  const timeframes = markets.data?.timeframes ?? [];
  const known = markets.data?.markets.some((m) => m.symbol === symbol) ?? false;
  const since = Date.parse(`${start}T00:00:00Z`);
  const ok = known && Number.isFinite(since) && since < Date.now() && timeframes.includes(timeframe);

  const submit = async () => {
    const market = { exchange, symbol, timeframe };
    const jobId = await startDownload(market, since);
    if (jobId) onStarted?.(jobId, market);
  };

  return (
    <form
      className="download-form"
      data-testid="download-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ok) void submit();
      }}
    >
      <div className="field">
        <label>Exchange</label>
        <select className="select" value={exchange} onChange={(e) => (setExchange(e.target.value), setSymbol(""), setSearch(""))} data-testid="dl-exchange">
          {(exchanges.data ?? [{ id: exchange, name: exchange }]).map((x) => (
            <option key={x.id} value={x.id}>
              {x.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label>
          <span>Symbol</span>
          <span className="range">{markets.data ? `${markets.data.markets.length.toLocaleString("en-US")} spot markets` : ""}</span>
        </label>
        <input
          className="input"
          placeholder="Search: BTC, ETH/USDT, USDC…"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            const exact = markets.data?.markets.find((m) => m.symbol.toUpperCase() === e.target.value.trim().toUpperCase());
            setSymbol(exact?.symbol ?? "");
          }}
          data-testid="dl-symbol"
        />
        {markets.isPending && <div className="help">Loading the markets of this exchange…</div>}
        {markets.isError && <div className="field-error">{errorMessage(markets.error)}</div>}
        {markets.isSuccess && !known && (
          <div className="symbol-matches" data-testid="dl-matches">
            {matches.length === 0 && <div className="dim">No market matches “{search}”.</div>}
            {matches.map((m) => (
              <button type="button" key={m.symbol} className="symbol-match" onClick={() => (setSymbol(m.symbol), setSearch(m.symbol))}>
                {m.symbol}
              </button>
            ))}
          </div>
        )}
      </div>
      <div className="field-row">
        <div className="field">
          <label>Timeframe</label>
          <select className="select" value={timeframe} onChange={(e) => setTimeframe(e.target.value as Timeframe)} data-testid="dl-timeframe">
            {(timeframes.length ? timeframes : [timeframe]).map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label>From (UTC)</label>
          <input className="input" type="date" value={start} max={date(Date.now())} onChange={(e) => setStart(e.target.value)} data-testid="dl-since" />
        </div>
      </div>
      <button type="submit" className="btn primary" disabled={!ok} data-testid="dl-start">
        Download {symbol || "…"} {timeframe}
      </button>
      <div className="help">Up to now; only closed candles. Already stored candles are not downloaded again.</div>
    </form>
  );
}

/** One download: bar, candles, candles/s, ETA; cancel while running, resume after a cut or a cancel. */
export function DownloadRow({ p }: { p: DownloadProgress }) {
  const market = { exchange: p.exchange, symbol: p.symbol, timeframe: p.timeframe as Timeframe };
  const ended = p.status !== "running";
  const exchanges = useQuery({ ...trpc.markets.exchanges.queryOptions(), staleTime: Infinity });
  const venue = exchanges.data?.find((e) => e.id === p.exchange)?.name ?? p.exchange;
  return (
    <div className={`download-row ${p.status}`} data-testid="download-row" data-status={p.status} data-market={`${p.exchange}|${p.symbol}|${p.timeframe}`}>
      <div className="download-title">
        <b>
          {p.symbol} {p.timeframe}
        </b>
        <span className="dim">{venue}</span>
        <span className="spacer" />
        {p.status === "running" && (
          <button type="button" className="btn small ghost" onClick={() => void cancelDownload(p.jobId)} data-testid="download-cancel">
            Cancel
          </button>
        )}
        {(p.status === "failed" || p.status === "cancelled") && (
          <button type="button" className="btn small" onClick={() => (dismissDownload(p.jobId), void startDownload(market, p.since))} data-testid="download-resume">
            Resume
          </button>
        )}
        {ended && (
          <button type="button" className="btn small ghost" onClick={() => dismissDownload(p.jobId)} title="Hide" aria-label="Hide">
            ✕
          </button>
        )}
      </div>
      <div className="bar" role="progressbar" aria-valuenow={p.percent} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${p.percent}%` }} />
      </div>
      <div className="download-stats" data-testid="download-stats">
        <span data-testid="download-fetched" data-fetched={p.fetched}>
          {p.fetched.toLocaleString("en-US")} candles
        </span>
        {p.candlesPerSec !== null && <span>{Math.round(p.candlesPerSec).toLocaleString("en-US")}/s</span>}
        {p.status === "running" && p.etaSec !== null && <span>ETA {clock(p.etaSec)}</span>}
        <span>{p.percent.toFixed(1)} %</span>
        {p.lastTime !== null && <span className="dim">up to {dateTime(p.lastTime)}</span>}
      </div>
      {p.note && <div className="help">{p.note}</div>}
      {p.gapCount > 0 && (
        <div className="warn-text">
          {p.gapCount} gap{p.gapCount === 1 ? "" : "s"} in the exchange's data, the first after {dateTime(p.gaps[0]!.after)}.
        </div>
      )}
      {p.error && <div className="field-error">{p.error}</div>}
      {p.status === "done" && <div className="help">Done: {p.added.toLocaleString("en-US")} new candles stored.</div>}
    </div>
  );
}

export function DownloadList() {
  const jobs = useDownloads((s) => s.jobs);
  const list = Object.values(jobs);
  if (list.length === 0) return null;
  return (
    <div className="download-list" data-testid="download-list">
      {list.map((p) => (
        <DownloadRow key={p.jobId} p={p} />
      ))}
    </div>
  );
}
