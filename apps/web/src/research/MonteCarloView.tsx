import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { RESEARCH_WORDS } from "@keyflow/core";
import { trpc } from "../lib/trpc";
import { errorMessage } from "../lib/errors";
import { num } from "../ui/format";
import { Histogram } from "./Histogram";

/** Monte Carlo of a finished backtest's trades: histograms of max drawdown and final equity. */
export function MonteCarloView({ runId }: { runId: string }) {
  const [method, setMethod] = useState<"shuffle" | "bootstrap">("shuffle");
  const [seed, setSeed] = useState(1);
  const q = useQuery(trpc.research.monteCarlo.queryOptions({ runId, settings: { method, runs: 1000, seed } }));
  return (
    <div className="report scroll montecarlo" data-testid="montecarlo">
      <div className="report-actions">
        <div className="seg" role="tablist" aria-label="Resampling">
          {(["shuffle", "bootstrap"] as const).map((m) => (
            <button key={m} type="button" className={`seg-btn${method === m ? " active" : ""}`} onClick={() => setMethod(m)} data-testid={`mc-${m}`}>
              {m === "shuffle" ? "Shuffle order" : "Bootstrap"}
            </button>
          ))}
        </div>
        <label className="inline-field">
          seed
          <input className="input" type="number" value={seed} onChange={(e) => setSeed(Math.trunc(Number(e.target.value)) || 0)} style={{ width: 80 }} />
        </label>
      </div>
      <p className="explain">{RESEARCH_WORDS.monteCarlo}</p>
      {q.error ? (
        <div className="empty-note">{errorMessage(q.error)}</div>
      ) : !q.data ? (
        <div className="empty-note">Resampling…</div>
      ) : (
        <>
        <div className="mc-grid">
          <Histogram dist={q.data.maxDrawdownPct} label="Max drawdown" format={(v) => `${v.toFixed(1)} %`} testId="mc-drawdown" actual={q.data.actual.maxDrawdownPct} />
          <Histogram dist={q.data.finalEquity} label="Final equity" format={(v) => num(v, 0)} testId="mc-equity" actual={q.data.actual.finalEquity} />
        </div>
          <p className="explain">
            {q.data.settings.runs.toLocaleString("en-US")} runs over {q.data.trades} trades, seed {q.data.settings.seed}. Drawdowns are measured from trade to trade.
            {" "}Green line: the trades in their real order.
          </p>
        </>
      )}
    </div>
  );
}
