import { useQuery } from "@tanstack/react-query";
import {
  gridSize,
  halvingRungs,
  objectiveSchema,
  OBJECTIVE_LABELS,
  RESEARCH_WORDS,
  sweepMethodSchema,
  sweepSpace,
  TIMEFRAME_MS,
  type SweepMethod,
} from "@keyflow/core";
import { useMemo, useState } from "react";
import { app } from "../app/appStore";
import { useEditor } from "../editor/store";
import { errorMessage } from "../lib/errors";
import { queryClient } from "../lib/queryClient";
import { trpc, trpcClient } from "../lib/trpc";
import { ago, date, dateTime, duration } from "../ui/format";
import { researchStore, useResearch } from "./researchStore";
import { cancelResearch, startResearch } from "./runResearch";
import { SweepResults } from "./SweepResults";
import { WalkForwardResults } from "./WalkForwardResults";
import { HoldoutNote } from "./HoldoutNote";

const METHOD_WORDS: Record<SweepMethod, string> = {
  grid: "Every combination.",
  random: "A seeded sample of the combinations.",
  halving: "Successive halving: all candidates on the oldest third of the history, the best third goes on, until the survivors run on all of it — far fewer runs on large spaces.",
};

function numberField(label: string, value: number | undefined, set: (v: number | undefined) => void, testId: string, placeholder = "") {
  return (
    <label className="field-inline" key={testId}>
      <span>{label}</span>
      <input className="input" type="number" value={value ?? ""} placeholder={placeholder} onChange={(e) => set(e.target.value === "" ? undefined : Number(e.target.value))} data-testid={testId} />
    </label>
  );
}

function SweepSettingsCard() {
  const flow = useEditor((s) => s.flow);
  const settings = useResearch((s) => s.settings);
  const wf = useResearch((s) => s.walkForward);
  const progress = useResearch((s) => s.progress);
  const error = useResearch((s) => s.error);
  const space = useMemo(() => sweepSpace(flow), [flow]);
  const set = (patch: Partial<typeof settings>) => researchStore.setState({ settings: { ...settings, ...patch } });
  const running = progress?.status === "running" || progress?.status === "queued";
  const combos = space.ok ? gridSize(space.params) : 0;
  const runs = !space.ok ? 0 : settings.method === "grid" ? combos : settings.method === "random" ? Math.min(combos, settings.samples) : halvingRungs(Math.min(combos, settings.samples), 10_000).reduce((s, r) => s + r.count, 0);
  return (
    <div className="panel-section research-settings" data-testid="sweep-settings">
      <div className="block-head">
        <h2>Sweep</h2>
        {space.ok ? (
          <p data-testid="sweep-space">
            {space.params.map((p) => `${p.nodeId}.${p.param} (${p.values.length})`).join(" × ")} = {combos.toLocaleString("en-US")} combinations
          </p>
        ) : (
          <p data-testid="sweep-space-empty">{space.errors[0]} In the editor, select a block and press “⇄ range” next to a number.</p>
        )}
      </div>
      <div className="form">
        <div className="seg">
          {sweepMethodSchema.options.map((m) => (
            <button key={m} type="button" className={`seg-btn${settings.method === m ? " active" : ""}`} onClick={() => set({ method: m })} data-testid={`sweep-method-${m}`}>
              {m === "grid" ? "Grid" : m === "random" ? "Random" : "Halving"}
            </button>
          ))}
        </div>
        <div className="help">{METHOD_WORDS[settings.method]}</div>
        {settings.method !== "grid" && (
          <div className="field-row">
            {numberField("Samples", settings.samples, (v) => set({ samples: Math.max(1, Math.trunc(v ?? 1)) }), "sweep-samples")}
            {numberField("Seed", settings.seed, (v) => set({ seed: Math.trunc(v ?? 0) }), "sweep-seed")}
          </div>
        )}
        <label className="field-inline">
          <span>Objective</span>
          <select className="select" value={settings.objective} onChange={(e) => set({ objective: objectiveSchema.parse(e.target.value) })} data-testid="sweep-objective">
            {objectiveSchema.options.map((o) => (
              <option key={o} value={o}>
                {OBJECTIVE_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        <div className="field-row">
          {numberField("Min trades", settings.constraints.minTrades, (v) => set({ constraints: { ...settings.constraints, minTrades: Math.max(0, Math.trunc(v ?? 0)) } }), "sweep-min-trades")}
          {numberField("Max drawdown %", settings.constraints.maxDrawdownPct, (v) => set({ constraints: { ...settings.constraints, maxDrawdownPct: v && v > 0 ? Math.min(100, v) : undefined } }), "sweep-max-dd", "any")}
        </div>
        {space.ok && combos > 100_000 && settings.method === "grid" && (
          <div className="field-error" data-testid="sweep-too-big">
            {combos.toLocaleString("en-US")} combinations is more than a grid may run (100,000): use Random or Halving, or narrow the ranges.
          </div>
        )}
        <button type="button" className="btn run" disabled={!space.ok || running} onClick={() => void startResearch("sweep")} data-testid="sweep-run">
          Run sweep{space.ok ? ` (${runs.toLocaleString("en-US")} runs)` : ""}
        </button>
        {error && (
          <div className="field-error" role="alert" data-testid="sweep-error">
            {error}
          </div>
        )}
      </div>
      <div className="block-head">
        <h2>Walk-forward</h2>
        <p>Optimise on each in-sample window with the settings above, then trade the choice on the next, unseen stretch.</p>
      </div>
      <div className="form">
        <div className="seg">
          {(["rolling", "anchored"] as const).map((m) => (
            <button key={m} type="button" className={`seg-btn${wf.mode === m ? " active" : ""}`} onClick={() => researchStore.setState({ walkForward: { ...wf, mode: m } })} data-testid={`wf-mode-${m}`}>
              {m === "rolling" ? "Rolling" : "Anchored"}
            </button>
          ))}
        </div>
        <div className="field-row three">
          {numberField("Windows", wf.windows, (v) => researchStore.setState({ walkForward: { ...wf, windows: Math.max(1, Math.trunc(v ?? 1)) } }), "wf-windows")}
          {numberField("In-sample bars", wf.inSampleBars, (v) => researchStore.setState({ walkForward: { ...wf, inSampleBars: Math.max(10, Math.trunc(v ?? 10)) } }), "wf-in")}
          {numberField("Out-of-sample bars", wf.outOfSampleBars, (v) => researchStore.setState({ walkForward: { ...wf, outOfSampleBars: Math.max(2, Math.trunc(v ?? 2)) } }), "wf-out")}
        </div>
        <button type="button" className="btn" disabled={!space.ok || running} onClick={() => void startResearch("walkforward")} data-testid="wf-run">
          Run walk-forward
        </button>
      </div>
    </div>
  );
}

function ProgressBar() {
  const p = useResearch((s) => s.progress);
  if (!p || (p.status !== "running" && p.status !== "queued")) return null;
  const pctDone = p.total > 0 ? (100 * p.done) / p.total : 0;
  if (p.status === "queued") {
    return (
      <div className="research-progress" data-testid="sweep-queued">
        <span className="pill">queued</span>
        <span className="dim">Other sweeps are using every core; this one starts when one of them ends.</span>
        <button type="button" className="btn small" onClick={() => void cancelResearch()} data-testid="sweep-cancel">
          Cancel
        </button>
      </div>
    );
  }
  return (
    <div className="research-progress" data-testid="sweep-progress" data-done={p.done} data-total={p.total}>
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${Math.max(2, pctDone)}%` }} />
      </div>
      <span data-testid="sweep-progress-count">
        {p.done.toLocaleString("en-US")} / {p.total.toLocaleString("en-US")}
      </span>
      {p.best && (
        <span className="dim" data-testid="sweep-progress-best">
          best so far {Object.entries(p.best.params).map(([k, v]) => `${k} = ${v}`).join(", ")} ({p.best.score.toPrecision(5)})
        </span>
      )}
      {p.waitingFor ? (
        <span className="dim" data-testid="sweep-waiting">
          waiting for {p.waitingFor}
        </span>
      ) : (
        p.etaMs !== null && <span className="dim">about {duration(p.etaMs)} left</span>
      )}
      <button type="button" className="btn small" onClick={() => void cancelResearch()} data-testid="sweep-cancel">
        Cancel
      </button>
    </div>
  );
}

function HoldoutCard({ strategyId }: { strategyId: string }) {
  const q = useQuery(trpc.research.holdout.queryOptions({ strategyId }));
  const [from, setFrom] = useState("");
  const h = q.data;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.research.holdout.pathKey() });
  const lock = async () => {
    const t = Date.parse(`${from}T00:00:00Z`);
    if (!Number.isFinite(t)) return app.toast("Pick the date the hold-out starts.", true);
    try {
      await trpcClient.research.lockHoldout.mutate({ strategyId, from: t });
      refresh();
    } catch (e) {
      app.toast(errorMessage(e), true);
    }
  };
  const unlock = async () => {
    const ok = await app.confirm({
      title: "Unlock the hold-out?",
      message: "The strategy's current settings run once on the hold-out. This is recorded for good and the hold-out cannot be locked again: only do it when you have chosen.",
      confirm: "Unlock and run",
      danger: true,
    });
    if (!ok) return;
    try {
      await trpcClient.research.unlockHoldout.mutate({ strategyId });
      refresh();
    } catch (e) {
      app.toast(errorMessage(e), true);
    }
  };
  return (
    <div className="panel-section" data-testid="holdout">
      <div className="block-head">
        <h2>Locked hold-out</h2>
        <p>{RESEARCH_WORDS.holdout}</p>
      </div>
      <div className="form">
        {h?.unlockedAt ? (
          <div data-testid="holdout-unlocked">
            From {date(h.fromTime)}: <b>unlocked {dateTime(h.unlockedAt)}</b> with {Object.entries(h.unlock?.params ?? {}).map(([k, v]) => `${k} = ${v}`).join(", ") || "its settings"} →{" "}
            {h.unlock?.metrics ? `${h.unlock.metrics.totalReturnPct.toFixed(2)} % return, ${h.unlock.metrics.trades} trades` : "no result"}.
          </div>
        ) : h ? (
          <>
            <div data-testid="holdout-locked">
              Locked from <b>{date(h.fromTime)}</b> (since {ago(h.lockedAt)}). Sweeps and walk-forwards end before it.
            </div>
            <button type="button" className="btn small danger" onClick={() => void unlock()} data-testid="holdout-unlock">
              Unlock: run current settings once
            </button>
          </>
        ) : (
          <div className="field-row">
            <input className="input" type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="holdout-from" />
            <button type="button" className="btn small" onClick={() => void lock()} data-testid="holdout-lock">
              Reserve from this date
            </button>
          </div>
        )}
      </div>
    </div>
  );
}

function PastRuns({ strategyId }: { strategyId: string }) {
  const q = useQuery(trpc.research.listForStrategy.queryOptions({ strategyId }));
  const shown = useResearch((s) => s.shownId);
  if (!q.data?.length) return null;
  return (
    <div className="panel-section" data-testid="research-runs">
      <div className="block-head">
        <h2>Past sweeps</h2>
      </div>
      <div className="runs-mini">
        {q.data.map((r) => (
          <button key={r.id} type="button" className={`run-mini${shown === r.id ? " active" : ""}`} onClick={() => researchStore.setState({ shownId: r.id })} data-testid="research-run">
            <span>{r.kind === "walkforward" ? "Walk-forward" : `Sweep · ${r.settings.method}`}</span>
            <span className="dim">
              {r.status === "done" ? `${OBJECTIVE_LABELS[r.settings.objective]}` : r.status} · {ago(r.createdAt)}
            </span>
          </button>
        ))}
      </div>
    </div>
  );
}

function ShownResult({ id }: { id: string }) {
  const q = useQuery(trpc.research.get.queryOptions({ id }));
  const run = q.data;
  if (q.error) return <div className="empty-note">{errorMessage(q.error)}</div>;
  if (!run) return <div className="empty-note">Loading…</div>;
  const tf = TIMEFRAME_MS[run.market.timeframe];
  return (
    <div className="research-result" data-testid="research-result" data-id={id}>
      <div className="results-head">
        <h2>{run.kind === "walkforward" ? "Walk-forward" : "Sweep"}</h2>
        <span>
          {run.market.symbol} · {run.market.timeframe} · {date(run.fromTime)} → {date(run.toTime)} · {run.bars.toLocaleString("en-US")} bars
        </span>
        {run.durationMs !== null && <span className="dim">{run.durationMs < 60_000 ? `${(run.durationMs / 1000).toFixed(1)} s` : duration(run.durationMs)}</span>}
        {run.holdoutFrom !== null && (
          <span className="pill ok" data-testid="result-holdout">
            hold-out from {date(run.holdoutFrom)} not used
          </span>
        )}
        <HoldoutNote strategyId={run.strategyId} createdAt={run.createdAt} toTime={run.toTime} />
      </div>
      {run.status === "cancelled" && (run.sweep || run.walkForwardResult) && (
        <div className="empty-note" data-testid="research-partial">
          Cancelled: {run.sweep ? `the ${run.sweep.rows.length.toLocaleString("en-US")} combinations that finished` : `the ${run.walkForwardResult!.windows.length} windows that finished`} are shown. The overfitting
          statistics need the whole sweep.
        </div>
      )}
      {run.status !== "done" && !(run.status === "cancelled" && (run.sweep || run.walkForwardResult)) ? (
        <div className="empty-note">{run.error ?? run.status}</div>
      ) : run.sweep ? (
        <SweepResults key={id} id={id} sweep={run.sweep} />
      ) : run.walkForwardResult ? (
        <WalkForwardResults result={run.walkForwardResult} time={(bar) => run.fromTime + bar * tf} />
      ) : null}
    </div>
  );
}

/** The Optimise tab: sweep and walk-forward settings, the hold-out, and results. */
export function ResearchView() {
  const strategyId = useEditor((s) => s.strategyId);
  const shownId = useResearch((s) => s.shownId);
  return (
    <div className="research" data-testid="research-view">
      <aside className="side left scroll research-side">
        <SweepSettingsCard />
        {strategyId && <HoldoutCard strategyId={strategyId} />}
        {strategyId && <PastRuns strategyId={strategyId} />}
      </aside>
      <section className="research-main scroll">
        <ProgressBar />
        {shownId ? (
          <ShownResult id={shownId} />
        ) : (
          <div className="results-empty">
            <div>
              <h3>No sweep yet</h3>
              <p>
                Make one or more settings a range in the editor (select a block, press “⇄ range”), pick how to search and what to maximise, then run the sweep. Each combination is a full
                backtest; the indicators they share are computed once.
              </p>
              <button type="button" className="btn ghost small" onClick={() => app.set({ view: "editor" })}>
                Back to the editor
              </button>
            </div>
          </div>
        )}
      </section>
    </div>
  );
}
