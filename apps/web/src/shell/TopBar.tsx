import { useEffect, useRef, useState } from "react";
import { NAME_MAX, type BacktestRange } from "@keyflow/core";
import { app, rangeOf, useApp } from "../app/appStore";
import { cancelBacktest, runBacktest } from "../app/backtest";
import { exportFlow, save } from "../app/session";
import { editorStore, useEditor } from "../editor/store";
import { blockedReason } from "../editor/validation";
import { compact } from "../ui/format";
import { marketLabel } from "../strategies/SettingsModal";
import { KillSwitch } from "../bots/KillSwitch";
import { AttentionBadge } from "../bots/badges";
import { openDeploy } from "../bots/BotsLayer";
import { isActive, useBots } from "../bots/live";
import { MenuButton, type MenuItem } from "../ui/MenuButton";
import { useMediaQuery } from "../ui/useMediaQuery";

function Logo() {
  return (
    <div className="brand">
      <span className="brand-mark">
        <svg width="14" height="14" viewBox="0 0 16 16" fill="none">
          <path d="M2 11.5l4-4.5 3 3 5-6.5" stroke="white" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </span>
      <span className="brand-name">Keyflow</span>
    </div>
  );
}

function NameInput() {
  const name = useEditor((s) => s.flow.name);
  const [text, setText] = useState(name);
  // Escape blurs the field too; the blur must then drop the typed text, not save it.
  const discard = useRef(false);
  useEffect(() => setText(name), [name]);
  const commit = () => {
    if (discard.current) {
      discard.current = false;
      setText(name);
      return;
    }
    const t = text.trim().slice(0, NAME_MAX);
    if (t && t !== name) editorStore.getState().setName(t);
    else setText(name);
  };
  return (
    <input
      className="name-input"
      value={text}
      size={Math.max(8, text.length + 1)}
      title={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        if (e.key === "Escape") {
          discard.current = true;
          setText(name);
          (e.target as HTMLInputElement).blur();
        }
      }}
      aria-label="Strategy name"
      data-testid="strategy-name"
    />
  );
}

function SaveState() {
  const state = useApp((s) => s.saveState);
  const error = useApp((s) => s.saveError);
  const text = { saved: "Saved", saving: "Saving…", dirty: "Unsaved changes", unsaved: "Not saved", error: "Save failed" }[state];
  return (
    <span className={`save-state ${state === "dirty" || state === "unsaved" ? "dirty" : state === "error" ? "error" : ""}`} title={error ?? text} data-testid="save-state" data-state={state}>
      <span className="dot" />
      <span className="save-text">{text}</span>
      {(state === "error" || state === "unsaved") && (
        <button type="button" className="btn small ghost" onClick={() => void save()}>
          Save now
        </button>
      )}
    </span>
  );
}

function RunControls() {
  const validation = useEditor((s) => s.validation);
  const run = useApp((s) => s.run);
  const reason = blockedReason(validation);
  const busy = run.status === "starting" || run.status === "running" || run.status === "loading";
  if (busy) {
    return (
      <div className="run-box">
        <div className="progress" data-testid="backtest-progress">
          <div className="progress-track">
            <div className="progress-fill" style={{ width: `${Math.max(2, Math.min(100, run.percent))}%` }} data-testid="progress-fill" />
          </div>
          <span style={{ minWidth: 34 }}>{Math.floor(run.percent)}%</span>
          {run.barsPerSec ? <span className="dim">{compact(run.barsPerSec)} bars/s</span> : <span className="dim">{run.status === "loading" ? "drawing…" : "starting…"}</span>}
        </div>
        <button type="button" className="btn small" onClick={() => void cancelBacktest()} disabled={run.status !== "running"} data-testid="backtest-cancel">
          Cancel
        </button>
      </div>
    );
  }
  return (
    <div className="run-box">
      {reason && (
        <span className="run-reason" title={reason} data-testid="backtest-disabled-reason">
          {reason}
        </span>
      )}
      <button type="button" className="btn run" disabled={!!reason} title={reason ?? "Run the backtest on the server"} onClick={() => void runBacktest()} data-testid="backtest-button">
        <svg width="12" height="12" viewBox="0 0 12 12">
          <path d="M3 1.5v9l7-4.5z" fill="currentColor" />
        </svg>
        Backtest
      </button>
      <button
        type="button"
        className="btn run more"
        disabled={!!reason}
        title={reason ?? "Backtest over several markets: pick stored markets of this exchange and timeframe"}
        aria-label="Backtest over several markets"
        onClick={() => app.set({ modal: "markets" })}
        data-testid="markets-button"
      >
        ▾
      </button>
    </div>
  );
}

/** Actions used now and then: inline on a wide screen, behind one menu button on a narrower one. */
const SECONDARY: MenuItem[] = [
  { label: "Strategies", onSelect: () => app.set({ modal: "strategies" }), testId: "open-strategies" },
  { label: "Templates", onSelect: () => app.set({ modal: "templates" }), testId: "open-templates" },
  { label: "Import", onSelect: () => app.set({ modal: "import" }), testId: "open-import" },
  { label: "Export", onSelect: () => void exportFlow(), testId: "export-button" },
  { label: "Deploy", onSelect: openDeploy, title: "Run this strategy as a paper or live bot", testId: "deploy-button" },
];

/** Below this width the top bar's secondary actions move into the menu (see styles.css, same width). */
export const NARROW_TOPBAR = "(max-width: 1399px)";
/**
 * Below this width, while bots run, the kill switch takes the room of four of them: only Deploy stays
 * inline, so every tab stays whole (the seven tabs, the name, the switch and Backtest at 1440 px).
 */
export const CROWDED_TOPBAR = "(max-width: 1799px)";

function SecondaryActions() {
  const narrow = useMediaQuery(NARROW_TOPBAR);
  const crowdedWidth = useMediaQuery(CROWDED_TOPBAR);
  const botsRun = (useBots().data ?? []).some(isActive);
  const inMenu = narrow ? SECONDARY : botsRun && crowdedWidth ? SECONDARY.filter((a) => a.testId !== "deploy-button") : [];
  const inline = SECONDARY.filter((a) => !inMenu.includes(a));
  return (
    <>
      {inMenu.length > 0 && (
        <MenuButton label="More actions" items={inMenu} testId="topbar-menu">
          More ▾
        </MenuButton>
      )}
      {inline.map((a) => (
        <button key={a.label} type="button" className="btn ghost" onClick={a.onSelect} title={a.title} data-testid={a.testId}>
          {a.label}
        </button>
      ))}
    </>
  );
}

const rangeLabel = (range: BacktestRange) => (range.preset === "all" ? "all data" : range.preset === "custom" ? "custom range" : `last ${range.preset}`);

export function TopBar() {
  const view = useApp((s) => s.view);
  const market = useEditor((s) => s.flow.market);
  const range = useEditor((s) => rangeOf(s.flow));
  const errors = useEditor((s) => (s.validation.ok ? 0 : s.validation.errors.length));
  return (
    <header className="topbar">
      <Logo />
      <div className="tabs">
        <button type="button" className={`tab ${view === "editor" ? "active" : ""}`} onClick={() => app.set({ view: "editor" })} data-testid="tab-editor">
          Editor
          {errors > 0 && <span className="count" style={{ color: "var(--error)" }}>{errors}</span>}
        </button>
        <button type="button" className={`tab ${view === "results" ? "active" : ""}`} onClick={() => app.set({ view: "results" })} data-testid="tab-results">
          Results
        </button>
        <button type="button" className={`tab ${view === "research" ? "active" : ""}`} onClick={() => app.set({ view: "research" })} data-testid="tab-research" title="Parameter sweeps, walk-forward and the locked hold-out">
          Optimise
        </button>
        <button type="button" className={`tab ${view === "bots" ? "active" : ""}`} onClick={() => app.set({ view: "bots" })} data-testid="tab-bots">
          Bots
        </button>
        <button type="button" className={`tab ${view === "data" ? "active" : ""}`} onClick={() => app.set({ view: "data" })} data-testid="tab-data">
          Data
        </button>
        <button type="button" className={`tab ${view === "keys" ? "active" : ""}`} onClick={() => app.set({ view: "keys" })} data-testid="tab-keys">
          Keys
        </button>
        <button type="button" className={`tab ${view === "alerts" ? "active" : ""}`} onClick={() => app.set({ view: "alerts" })} data-testid="tab-alerts">
          Alerts
        </button>
      </div>
      <span className="sep" />
      <NameInput />
      <SaveState />
      <span className="spacer" />
      <AttentionBadge />
      <KillSwitch where="topbar" />
      <SecondaryActions />
      <span className="sep" />
      <button type="button" className="market-chip" onClick={() => app.set({ modal: "settings" })} title={`Range: ${rangeLabel(range)}. Market, range and broker settings`} data-testid="market-chip">
        <b>{marketLabel(market)}</b>
        <span className="chip-range">{rangeLabel(range)}</span>
        <svg className="chip-gear" width="12" height="12" viewBox="0 0 16 16" fill="none" style={{ color: "var(--muted)" }}>
          <path d="M8 10.5a2.5 2.5 0 100-5 2.5 2.5 0 000 5z M13 8l1.5-1-1-2-1.7.4-1-.8L10.5 3h-2l-.3 1.6-1 .6L5.5 4.8l-1 2L6 8l-1.5 1 1 2 1.7-.4 1 .8.3 1.6h2l.3-1.6 1-.6 1.7.4 1-2z" stroke="currentColor" strokeWidth="1.1" />
        </svg>
      </button>
      <RunControls />
    </header>
  );
}
