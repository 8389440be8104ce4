import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { settingsSchema, timeframeSchema, type Market, type RangePreset, type Settings, type Timeframe } from "@keyflow/core";
import { Modal } from "../ui/Modal";
import { QueueStatus } from "../research/QueueStatus";
import { app, rangeFor, rangeOf } from "../app/appStore";
import { trpc, type RouterOutputs } from "../lib/trpc";
import { DEMO_MARKET, editorStore, useEditor } from "../editor/store";
import { enumWord } from "../editor/paramText";
import { compact, date } from "../ui/format";
import { errorMessage } from "../lib/errors";
import { runBacktest } from "../app/backtest";
import { DownloadForm, DownloadRow } from "../data/DownloadForm";
import { downloadsStore, startDownload, useDownloads } from "../data/downloads";

const PRESETS: { id: RangePreset; label: string }[] = [
  { id: "all", label: "All data" },
  { id: "1y", label: "Last year" },
  { id: "6m", label: "Last 6 months" },
  { id: "3m", label: "Last 3 months" },
  { id: "1m", label: "Last month" },
  { id: "custom", label: "Custom dates" },
];

export const marketKey = (m: { exchange: string; symbol: string; timeframe: string }) => `${m.exchange}|${m.symbol}|${m.timeframe}`;

export function useMarkets() {
  return useQuery({ ...trpc.markets.list.queryOptions(), staleTime: 30_000 });
}

export function marketLabel(m: { exchange: string; symbol: string; timeframe: string }) {
  return `${m.exchange === "demo" ? "Demo" : m.exchange} · ${m.symbol} · ${m.timeframe}`;
}

const DAY = 86_400_000;
const OTHER = "__other__";

/** Backtests once a download started from the market picker has finished. */
function whenDownloaded(jobId: string) {
  const stop = downloadsStore.subscribe((s) => {
    const p = s.jobs[jobId];
    if (!p || p.status === "running") return;
    stop();
    if (p.status === "done") {
      app.set({ modal: null });
      void runBacktest();
    }
  });
}

/** The strategy's market has no candles here: download them in place, then backtest. */
function MissingCandles({ market }: { market: Market }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useDownloads((s) => (jobId ? s.jobs[jobId] : undefined));
  const exchanges = useQuery({ ...trpc.markets.exchanges.queryOptions(), staleTime: Infinity });
  const venue = exchanges.data?.find((e) => e.id === market.exchange);
  if (exchanges.isSuccess && !venue) {
    return (
      <div className="missing-candles" data-testid="missing-candles">
        No candles stored for {marketLabel(market)}, and “{market.exchange}” is not an exchange to download from. Import a CSV on the Data page or pick a stored market.
      </div>
    );
  }
  return (
    <div className="missing-candles" data-testid="missing-candles">
      {job ? (
        <DownloadRow p={job} />
      ) : (
        <>
          <span>
            No candles stored for {marketLabel(market)}. Download the last year from {venue?.name ?? market.exchange}; the backtest runs when it is done.
          </span>
          <button
            type="button"
            className="btn primary small"
            onClick={async () => {
              const id = await startDownload(market, Date.now() - 365 * DAY);
              if (id) (setJobId(id), whenDownloaded(id));
            }}
            data-testid="missing-download"
          >
            Download
          </button>
        </>
      )}
    </div>
  );
}
const toDay = (ms: number | null) => (ms === null ? "" : date(ms));
const fromDay = (s: string) => (s ? Date.parse(`${s}T00:00:00Z`) : null);
/** "To" is inclusive: the whole day, up to its last candle. */
const toEndOfDay = (s: string) => (s ? Date.parse(`${s}T00:00:00Z`) + DAY - 1 : null);

/** Percent field over a fraction setting (fee 0.1 % is stored as 0.001). */
function PctField({ label, help, value, max, onChange, testId }: { label: string; help: string; value: number; max: number; onChange: (v: number) => void; testId: string }) {
  const [text, setText] = useState(String(+(value * 100).toPrecision(6)));
  const n = Number(text);
  const bad = text.trim() === "" || !Number.isFinite(n) || n < 0 || n > max * 100;
  return (
    <div className="field">
      <label>
        <span>{label}</span>
        <span className="range">0 – {max * 100} %</span>
      </label>
      <input
        className={`input${bad ? " invalid" : ""}`}
        type="number"
        step="any"
        min={0}
        max={max * 100}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== "" && Number.isFinite(v) && v >= 0 && v <= max * 100) onChange(v / 100);
        }}
        data-testid={testId}
      />
      <div className={bad ? "field-error" : "help"}>{bad ? `Enter a number from 0 to ${max * 100}.` : help}</div>
    </div>
  );
}

export function SettingsModal() {
  const flow = useEditor((s) => s.flow);
  const range = rangeOf(flow);
  const setRange = editorStore.getState().setRange;
  const markets = useMarkets();
  const [cashText, setCashText] = useState(String(flow.settings.initialCash));
  const set = (patch: Partial<Settings>) => editorStore.getState().setSettings(patch);
  const list: RouterOutputs["markets"]["list"] = markets.data ?? [];
  const current = list.find((m) => marketKey(m) === marketKey(flow.market));
  const missing = markets.isSuccess && (!current || current.count === 0);
  const [other, setOther] = useState(false);
  // Stored series grouped by exchange (display names), the demo market first.
  const groups = new Map<string, typeof list>();
  for (const m of [...list].sort((a, b) => (a.exchange === "demo" ? -1 : b.exchange === "demo" ? 1 : a.exchangeName.localeCompare(b.exchangeName)))) {
    groups.set(m.exchangeName, [...(groups.get(m.exchangeName) ?? []), m]);
  }
  const cash = Number(cashText);
  const cashBad = !settingsSchema.shape.initialCash.safeParse(cash).success || cashText.trim() === "";

  const setPreset = (preset: RangePreset) => setRange({ preset, ...(preset === "custom" ? { from: range.from, to: range.to } : rangeFor(preset, current?.lastTime ?? null)) });

  return (
    <Modal title="Market & settings" subtitle="What the backtest runs on, and how the simulated broker fills." onClose={() => app.set({ modal: null })} testId="settings-modal">
      <div className="settings-grid">
        <div className="section-title full">Market</div>
        <div className="field full">
          <label>
            <span>Candles</span>
            <span className="range">{current?.count ? `${compact(current.count)} bars` : ""}</span>
          </label>
          <select
            className="select"
            value={other ? OTHER : marketKey(flow.market)}
            onChange={(e) => {
              if (e.target.value === OTHER) return setOther(true);
              setOther(false);
              const m = list.find((o) => marketKey(o) === e.target.value);
              if (m) editorStore.getState().setMarket({ exchange: m.exchange, symbol: m.symbol, timeframe: m.timeframe as Timeframe } satisfies Market);
            }}
            data-testid="market-select"
          >
            {(!current || list.length === 0) && <option value={marketKey(flow.market)}>{marketLabel(flow.market)} (no candles stored)</option>}
            {[...groups].map(([name, items]) => (
              <optgroup key={name} label={name}>
                {items.map((m) => (
                  <option key={marketKey(m)} value={marketKey(m)}>
                    {m.symbol} · {m.timeframe}
                    {m.source === "derived" ? " (derived)" : ""}
                    {m.firstTime !== null && m.lastTime !== null ? ` — ${date(m.firstTime)} → ${date(m.lastTime)}` : ""}
                  </option>
                ))}
              </optgroup>
            ))}
            <option value={OTHER}>Another market (download)…</option>
          </select>
          {markets.isError ? (
            <div className="field-error">{errorMessage(markets.error)}</div>
          ) : (
            <div className="help">Stored candles, by exchange. Download more here or on the Data page; the demo market is always there.</div>
          )}
          {missing && !other && flow.market.exchange !== "demo" && <MissingCandles market={flow.market} />}
          {other && (
            <div className="inline-download" data-testid="market-download">
              <DownloadForm
                onStarted={(jobId, m) => {
                  setOther(false);
                  editorStore.getState().setMarket(m);
                  whenDownloaded(jobId);
                }}
              />
            </div>
          )}
        </div>
        <div className="field">
          <label>Range</label>
          <select className="select" value={range.preset} onChange={(e) => setPreset(e.target.value as RangePreset)} data-testid="range-select">
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        {flow.market.exchange === "demo" && !current && (
          <div className="field">
            <label>Timeframe</label>
            <select
              className="select"
              value={flow.market.timeframe}
              onChange={(e) => editorStore.getState().setMarket({ ...DEMO_MARKET, timeframe: e.target.value as Timeframe })}
            >
              {timeframeSchema.options.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </div>
        )}
        {range.preset === "custom" && (
          <div className="field-row full">
            <div className="field">
              <label>From (UTC)</label>
              <input className="input" type="date" value={toDay(range.from)} onChange={(e) => setRange({ ...range, from: fromDay(e.target.value) })} data-testid="range-from" />
            </div>
            <div className="field">
              <label>To (UTC)</label>
              <input className="input" type="date" value={toDay(range.to)} onChange={(e) => setRange({ ...range, to: toEndOfDay(e.target.value) })} data-testid="range-to" />
            </div>
          </div>
        )}

        <div className="section-title full" style={{ marginTop: 8 }}>
          Broker
        </div>
        <div className="field">
          <label>
            <span>Starting cash</span>
            <span className="range">quote currency</span>
          </label>
          <input
            className={`input${cashBad ? " invalid" : ""}`}
            type="number"
            min={1}
            value={cashText}
            onChange={(e) => {
              setCashText(e.target.value);
              const r = settingsSchema.shape.initialCash.safeParse(Number(e.target.value));
              if (r.success && e.target.value.trim() !== "") set({ initialCash: r.data });
            }}
            data-testid="settings-cash"
          />
          <div className={cashBad ? "field-error" : "help"}>{cashBad ? "Enter an amount above 0." : "What the account holds at the first bar."}</div>
        </div>
        <div className="field">
          <label>Default order size</label>
          <div className="field-row">
            <select
              className="select"
              value={flow.settings.sizing.mode}
              onChange={(e) => set({ sizing: { ...flow.settings.sizing, mode: e.target.value as Settings["sizing"]["mode"] } })}
            >
              {(["percentEquity", "quote", "base"] as const).map((m) => (
                <option key={m} value={m}>
                  {enumWord(m)}
                </option>
              ))}
            </select>
            <input
              className="input"
              type="number"
              min={0}
              defaultValue={flow.settings.sizing.value}
              onChange={(e) => {
                const v = Number(e.target.value);
                if (v > 0) set({ sizing: { ...flow.settings.sizing, value: v } });
              }}
            />
          </div>
          <div className="help">Used by Buy blocks sized as “Flow default”.</div>
        </div>
        <PctField label="Fee" help="Per fill, of traded value (0.1 % is a typical spot taker fee)." value={flow.settings.feeRate} max={0.1} onChange={(v) => set({ feeRate: v })} testId="settings-fee" />
        <PctField label="Slippage" help="Paid on market and stop fills." value={flow.settings.slippage} max={0.1} onChange={(v) => set({ slippage: v })} testId="settings-slippage" />

        <div className="section-title full" style={{ marginTop: 8 }}>
          Sweeps run on
        </div>
        <div className="field full">
          <QueueStatus />
        </div>

        <div className="section-title full" style={{ marginTop: 8 }}>
          Description
        </div>
        <div className="field full">
          <textarea
            className="textarea"
            style={{ minHeight: 70, fontFamily: "var(--font)", fontSize: 12.5 }}
            value={flow.description}
            maxLength={4000}
            onChange={(e) => editorStore.getState().setDescription(e.target.value)}
            placeholder="The idea behind this strategy, for you and for whoever imports it."
          />
        </div>
      </div>
    </Modal>
  );
}
