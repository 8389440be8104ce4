import { useState } from "react";
import { CSV_COLUMNS, sniffCandlesCsv, timeframeSchema, type CsvError, type CsvSniff, type Timeframe } from "@keyflow/core";
import { trpc, trpcClient } from "../lib/trpc";
import { errorMessage, userErrorOf } from "../lib/errors";
import { queryClient } from "../lib/queryClient";
import { app } from "../app/appStore";

const UNIT_TEXT = { ms: "unix milliseconds", s: "unix seconds", iso: "ISO dates" } as const;

interface Dropped {
  name: string;
  text: string;
  sniff: CsvSniff;
}

/** "BTCUSDT-1h-2024.csv" → symbol and timeframe guesses the person can correct. */
function guessFromName(name: string): { symbol: string; timeframe: Timeframe | null } {
  const tf = timeframeSchema.options.find((t) => new RegExp(`(^|[^0-9a-z])${t}([^0-9a-z]|$)`, "i").test(name)) ?? null;
  const m = /([A-Z]{2,10})[-_/]?(USDT|USDC|USD|BTC|ETH|EUR|BUSD)/i.exec(name);
  return { symbol: m ? `${m[1]!.toUpperCase()}/${m[2]!.toUpperCase()}` : "", timeframe: tf };
}

/** Drop a candle CSV: preview, detected columns and time unit, the market to store it as; all or nothing. */
export function CsvImport() {
  const [file, setFile] = useState<Dropped | null>(null);
  const [over, setOver] = useState(false);
  const [exchange, setExchange] = useState("csv");
  const [symbol, setSymbol] = useState("");
  const [timeframe, setTimeframe] = useState<Timeframe>("1h");
  const [errors, setErrors] = useState<CsvError[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  const take = async (f: File | undefined) => {
    if (!f) return;
    const text = await f.text();
    const guess = guessFromName(f.name);
    setFile({ name: f.name, text, sniff: sniffCandlesCsv(text) });
    if (guess.symbol) setSymbol(guess.symbol);
    if (guess.timeframe) setTimeframe(guess.timeframe);
    setErrors(null);
    setDone(null);
  };

  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setErrors(null);
    try {
      const r = await trpcClient.markets.importCsv.mutate({ market: { exchange: exchange.trim() || "csv", symbol: symbol.trim().toUpperCase(), timeframe }, csv: file.text });
      await queryClient.invalidateQueries({ queryKey: trpc.markets.list.queryKey() });
      setDone(`Imported ${r.added.toLocaleString("en-US")} new candles (${r.count.toLocaleString("en-US")} stored)${r.gaps.count ? `; ${r.gaps.count} gap${r.gaps.count === 1 ? "" : "s"} found` : ""}.`);
      setFile(null);
    } catch (e) {
      const ue = userErrorOf(e) as { kind: string; errors?: CsvError[] } | null;
      if (ue?.kind === "csv" && ue.errors) setErrors(ue.errors);
      else app.toast(errorMessage(e), true);
    } finally {
      setBusy(false);
    }
  };

  const s = file?.sniff;
  const missing = s ? CSV_COLUMNS.filter((c) => s.columns[c] < 0) : [];
  return (
    <div className="csv-import" data-testid="csv-import">
      <label
        className={`drop-zone${over ? " over" : ""}`}
        onDragOver={(e) => (e.preventDefault(), setOver(true))}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void take(e.dataTransfer.files[0]);
        }}
        data-testid="csv-drop"
      >
        <input type="file" accept=".csv,text/csv" hidden onChange={(e) => void take(e.target.files?.[0])} data-testid="csv-file" />
        {file ? <b>{file.name}</b> : <span>Drop a CSV file here, or click to choose one</span>}
        <span className="dim">time, open, high, low, close, volume — any order</span>
      </label>
      {s && (
        <>
          <div className="csv-detected" data-testid="csv-detected">
            {missing.length > 0 ? (
              <span className="field-error">Missing column{missing.length > 1 ? "s" : ""}: {missing.join(", ")}. The first line must name them.</span>
            ) : (
              <span>
                Columns found: {CSV_COLUMNS.map((c) => `${c} = “${s.header[s.columns[c]]}”`).join(", ")}. Time in <b>{s.timeUnit ? UNIT_TEXT[s.timeUnit] : "an unknown format"}</b>.
              </span>
            )}
          </div>
          <div className="csv-preview">
            <table>
              <thead>
                <tr>
                  {s.header.map((h, i) => (
                    <th key={i}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {s.rows.map((r, i) => (
                  <tr key={i}>
                    {r.map((v, j) => (
                      <td key={j}>{v}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="field-row">
            <div className="field">
              <label>Store as exchange</label>
              <input className="input" value={exchange} onChange={(e) => setExchange(e.target.value)} data-testid="csv-exchange" />
            </div>
            <div className="field">
              <label>Symbol</label>
              <input className="input" value={symbol} placeholder="BTC/USDT" onChange={(e) => setSymbol(e.target.value)} data-testid="csv-symbol" />
            </div>
            <div className="field">
              <label>Timeframe</label>
              <select className="select" value={timeframe} onChange={(e) => setTimeframe(e.target.value as Timeframe)} data-testid="csv-timeframe">
                {timeframeSchema.options.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </div>
          </div>
          <button type="button" className="btn primary" disabled={busy || !symbol.includes("/") || missing.length > 0} onClick={() => void submit()} data-testid="csv-import-btn">
            {busy ? "Importing…" : "Import"}
          </button>
        </>
      )}
      {errors && (
        <div className="csv-errors" role="alert" data-testid="csv-errors">
          <b>Nothing was imported.</b> Fix these lines and drop the file again:
          <ul>
            {errors.map((e, i) => (
              <li key={i}>
                <span className="mono">line {e.line}</span>: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {done && <div className="help" data-testid="csv-done">{done}</div>}
    </div>
  );
}
