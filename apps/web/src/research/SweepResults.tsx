import { useMemo, useState } from "react";
import { heatmap, neighbourAverage, OBJECTIVE_LABELS, paramKey, RESEARCH_WORDS, type StoredSweep } from "@keyflow/core";
import { num } from "../ui/format";
import { Heatmap } from "./Heatmap";
import { applyRow } from "./runResearch";

type Col = { key: string; label: string; get: (i: number) => number | null; fmt?: (v: number) => string };

const fmtScore = (v: number) => (Math.abs(v) >= 1000 ? num(v, 0) : Math.abs(v) >= 10 ? num(v, 1) : num(v, 3));

/** A finished sweep: overfitting statistics, heatmap (objective or stability), sortable table and apply. */
export function SweepResults({ id, sweep }: { id: string; sweep: StoredSweep }) {
  const { params, rows } = sweep;
  const keys = params.map(paramKey);
  const stability = useMemo(() => neighbourAverage(params, rows), [params, rows]);
  const [selected, setSelected] = useState<number | null>(sweep.best);
  const [x, setX] = useState(0);
  const [y, setY] = useState(Math.min(1, params.length - 1));
  const [mode, setMode] = useState<"objective" | "stability">("objective");
  const base = rows[selected ?? sweep.best ?? 0]?.combo ?? params.map((p) => p.values[0]!);
  const [held, setHeld] = useState<number[]>(base);
  const cells = useMemo(() => heatmap(params, rows, x, y, held, mode === "objective" ? rows.map((r) => r.score) : stability), [params, rows, x, y, held, mode, stability]);
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: "score", desc: true });
  const cols: Col[] = [
    ...keys.map((k, j) => ({ key: k, label: k, get: (i: number) => rows[i]!.combo[j]! })),
    { key: "score", label: OBJECTIVE_LABELS[sweep.settings.objective], get: (i) => rows[i]!.score },
    { key: "stability", label: "Neighbours avg", get: (i) => stability[i] ?? null },
    { key: "return", label: "Return %", get: (i) => rows[i]!.metrics?.totalReturnPct ?? null, fmt: (v) => num(v, 2) },
    { key: "dd", label: "Max DD %", get: (i) => rows[i]!.metrics?.maxDrawdownPct ?? null, fmt: (v) => num(v, 2) },
    { key: "sharpe", label: "Sharpe", get: (i) => rows[i]!.metrics?.sharpe ?? null, fmt: (v) => num(v, 3) },
    { key: "trades", label: "Trades", get: (i) => rows[i]!.metrics?.trades ?? null, fmt: (v) => String(v) },
  ];
  const order = useMemo(() => {
    const col = cols.find((c) => c.key === sort.key) ?? cols[0]!;
    const idx = rows.map((_, i) => i);
    return idx.sort((a, b) => {
      const va = col.get(a);
      const vb = col.get(b);
      if (va === null || vb === null) return va === null ? (vb === null ? a - b : 1) : -1;
      return (sort.desc ? vb - va : va - vb) || a - b;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sort, rows, stability]);
  const pick = (row: number) => {
    setSelected(row);
    setHeld(rows[row]!.combo.slice());
  };
  const chosen = selected === null ? null : rows[selected];
  return (
    <div className="sweep-results" data-testid="sweep-results" data-best={sweep.best ?? ""}>
      <div className="stats-row">
        <div className="stat" data-testid="stat-trials">
          <div className="k">Trials</div>
          <div className="v">{sweep.trials.toLocaleString("en-US")}</div>
          <p>{RESEARCH_WORDS.trials}</p>
        </div>
        <div className="stat" data-testid="stat-dsr">
          <div className="k">Deflated Sharpe</div>
          <div className="v">{sweep.deflatedSharpe === null ? "–" : sweep.deflatedSharpe.toFixed(3)}</div>
          <p>{RESEARCH_WORDS.deflatedSharpe}</p>
        </div>
        <div className="stat" data-testid="stat-pbo">
          <div className="k">PBO</div>
          <div className="v">{sweep.pbo === null ? "–" : sweep.pbo.toFixed(3)}</div>
          <p>{RESEARCH_WORDS.pbo}</p>
        </div>
      </div>

      <div className="heatmap-box">
        <div className="heatmap-controls">
          <label className="inline-field">
            across
            <select className="select" value={x} onChange={(e) => setX(Number(e.target.value))} data-testid="heatmap-x">
              {keys.map((k, j) => (
                <option key={k} value={j}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            up
            <select className="select" value={y} onChange={(e) => setY(Number(e.target.value))} data-testid="heatmap-y">
              {keys.map((k, j) => (
                <option key={k} value={j}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          {params.map((p, j) =>
            j === x || j === y ? null : (
              <label className="inline-field" key={keys[j]}>
                {keys[j]} at
                <select className="select" value={held[j]} onChange={(e) => setHeld(held.map((v, k) => (k === j ? Number(e.target.value) : v)))} data-testid={`heatmap-hold-${keys[j]}`}>
                  {p.values.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>
            ),
          )}
          <div className="seg" role="tablist" aria-label="Heatmap shows">
            <button type="button" className={`seg-btn${mode === "objective" ? " active" : ""}`} onClick={() => setMode("objective")} data-testid="heatmap-mode-objective">
              {OBJECTIVE_LABELS[sweep.settings.objective]}
            </button>
            <button type="button" className={`seg-btn${mode === "stability" ? " active" : ""}`} onClick={() => setMode("stability")} data-testid="heatmap-mode-stability">
              Stability
            </button>
          </div>
        </div>
        <Heatmap cells={cells} xLabel={keys[x]!} yLabel={keys[y]!} selectedRow={selected} onPick={pick} format={fmtScore} />
        <p className="explain">
          {mode === "stability"
            ? "Stability: each combination's objective averaged with its neighbours (every setting one step away). A plateau stays bright; a lone spike among poor neighbours fades — prefer plateaus."
            : "Click a cell to pick its combination. Settings not on the axes are held at the values chosen above."}
        </p>
      </div>

      <div className="apply-bar" data-testid="apply-bar">
        {chosen ? (
          <>
            <span>
              Picked: <b data-testid="picked-params">{keys.map((k, j) => `${k} = ${chosen.combo[j]}`).join(", ")}</b>
              {chosen.score !== null && ` · ${OBJECTIVE_LABELS[sweep.settings.objective]} ${fmtScore(chosen.score)}`}
              {selected === sweep.best && <span className="pill ok">best</span>}
            </span>
            <button type="button" className="btn primary small" onClick={() => void applyRow(id, selected!)} data-testid="apply-row">
              Apply as new version
            </button>
          </>
        ) : (
          <span className="dim">No combination met the constraints.</span>
        )}
      </div>

      <div className="table-wrap">
        <table className="trades sweep-table" data-testid="sweep-table">
          <thead>
            <tr>
              {cols.map((c) => (
                <th key={c.key} onClick={() => setSort({ key: c.key, desc: sort.key === c.key ? !sort.desc : true })} className="sortable" data-testid={`sweep-sort-${c.key}`}>
                  {c.label}
                  {sort.key === c.key ? (sort.desc ? " ▾" : " ▴") : ""}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {order.slice(0, 500).map((i) => (
              <tr key={i} className={i === selected ? "active" : ""} onClick={() => pick(i)} data-testid="sweep-row" data-row={i}>
                {cols.map((c) => {
                  const v = c.get(i);
                  return <td key={c.key}>{v === null ? (c.key === "score" ? rows[i]!.error ?? "–" : "–") : keys.includes(c.key) ? v : (c.fmt ?? fmtScore)(v)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length > 500 && <div className="dim">Showing 500 of {rows.length.toLocaleString("en-US")}; sort to see others.</div>}
      </div>
    </div>
  );
}
