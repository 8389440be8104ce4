import { useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { trpc } from "../lib/trpc";
import { date, pct, signClass } from "../ui/format";
import { TEMPLATES, getBlock, type FlowGraph } from "@keyflow/core";
import { Modal } from "../ui/Modal";
import { app, useApp } from "../app/appStore";
import { startFrom } from "../app/session";
import { editorStore, parseFlowText } from "../editor/store";
import { FlowPreview } from "./FlowPreview";
import { importResult, isResultText } from "../results/shareResult";

function blocksSummary(flow: FlowGraph): string {
  const labels = [...new Set(flow.nodes.map((n) => getBlock(n.kind)).filter((b) => b && b.category === "indicator").map((b) => b!.label))];
  return labels.length > 0 ? labels.join(", ") : `${flow.nodes.length} blocks`;
}

/** The template's result on the shared Binance candles, verified by Keyflow's tests on every build. */
function BuiltInResult({ id }: { id: string }) {
  const q = useQuery(trpc.templates.results.queryOptions(undefined, { staleTime: Infinity }));
  const r = q.data?.find((x) => x.id === id);
  if (!r) return null;
  const title = `Backtested on ${r.data.exchange} ${r.data.symbol} ${r.data.timeframe}, ${date(r.data.firstTime)} → ${date(r.data.lastTime)} (${r.data.count} candles), with the template's own settings; buy & hold ${pct(r.buyHoldReturnPct)}. Verified: Keyflow re-runs it on those candles in every build (engine ${r.engineVersion}). Past results say nothing about the future.`;
  return (
    <div className="tpl-result" title={title} data-testid={`template-result-${id}`}>
      <span className="verify-badge verified">
        <b>✓ Verified</b>
      </span>{" "}
      {r.data.symbol} {r.data.timeframe} {date(r.data.firstTime).slice(0, 4)}–{date(r.data.lastTime).slice(0, 4)}: <span className={signClass(r.totalReturnPct)}>{pct(r.totalReturnPct)}</span> · max DD {pct(-Math.abs(r.maxDrawdownPct), 1, false)} · {r.trades} trades
    </div>
  );
}

export function TemplateGallery() {
  return (
    <div className="gallery" data-testid="template-gallery">
      {TEMPLATES.map((t) => (
        <button key={t.id} type="button" className="tpl" onClick={() => void startFrom(t.flow)} data-testid={`template-${t.id}`}>
          <FlowPreview flow={t.flow} />
          <div className="tpl-body">
            <h3>{t.flow.name}</h3>
            <p>{t.flow.description}</p>
            <BuiltInResult id={t.id} />
            <div className="tpl-meta">
              <span>{blocksSummary(t.flow)}</span>
              <span>{t.flow.nodes.length} blocks</span>
              <span>
                {t.flow.market.symbol} {t.flow.market.timeframe}
              </span>
            </div>
          </div>
        </button>
      ))}
    </div>
  );
}

/** Import from a file or pasted text. Nothing touches the canvas unless the whole file is valid. */
export function ImportPanel() {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const apply = async (raw: string, source: string) => {
    // A result file (or a report page carrying one) is verified on this install's candles, then opens.
    if (isResultText(raw)) {
      const problem = await importResult(raw);
      setError(problem === null ? null : `${source}: ${problem}`);
      return;
    }
    const r = parseFlowText(raw);
    if (!r.ok) {
      setError(`${source}: nothing was imported.\n${r.error}`);
      return;
    }
    setError(null);
    if (await startFrom(r.flow)) app.toast(`Imported “${editorStore.getState().flow.name}”.`);
  };

  return (
    <div style={{ display: "grid", gap: 12 }} data-testid="import-panel">
      <div style={{ display: "flex", gap: 10, alignItems: "center" }}>
        <button type="button" className="btn" onClick={() => fileInput.current?.click()} data-testid="import-file-button">
          Choose a .json file…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json,.html,text/html"
          hidden
          data-testid="import-file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = "";
            if (!f) return;
            setFileName(f.name);
            if (f.size > 64_000_000) {
              setError(`${f.name}: the file is larger than 64 MB; a template is a few KB and a result a few MB.`);
              return;
            }
            await apply(await f.text(), f.name);
          }}
        />
        <span className="dim">{fileName ?? "or paste the template's JSON below"}</span>
      </div>
      <textarea
        className="textarea"
        placeholder='{ "format": "keyflow.flow", "version": 1, "name": "…", … }'
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        spellCheck={false}
        data-testid="import-text"
      />
      {error && (
        <div className="error-box" role="alert" data-testid="import-error">
          {error}
        </div>
      )}
      <div style={{ display: "flex", justifyContent: "flex-end" }}>
        <button type="button" className="btn primary" disabled={!text.trim()} onClick={() => void apply(text, "Pasted text")} data-testid="import-apply">
          Import pasted JSON
        </button>
      </div>
    </div>
  );
}

export function TemplatesModal() {
  const modal = useApp((s) => s.modal);
  const [tab, setTab] = useState<"gallery" | "import">(modal === "import" ? "import" : "gallery");
  return (
    <Modal
      title={tab === "gallery" ? "Start from a template" : "Import a template"}
      subtitle={tab === "gallery" ? "Each opens as a new strategy on the demo market; your current one stays saved." : "A Keyflow flow file (.json), as exported with “Export”."}
      onClose={() => app.set({ modal: null })}
      size="wide"
      testId="templates-modal"
    >
      <div className="tabs" style={{ display: "inline-flex", marginBottom: 14 }}>
        <button type="button" className={`tab ${tab === "gallery" ? "active" : ""}`} onClick={() => setTab("gallery")}>
          Built-in templates
        </button>
        <button type="button" className={`tab ${tab === "import" ? "active" : ""}`} onClick={() => setTab("import")} data-testid="tab-import">
          Import file or JSON
        </button>
      </div>
      {tab === "gallery" ? <TemplateGallery /> : <ImportPanel />}
    </Modal>
  );
}
