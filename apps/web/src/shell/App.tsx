import { useEffect } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import { useApp } from "../app/appStore";
import { TopBar } from "./TopBar";
import { ConfirmDialog, Toast } from "../ui/Modal";
import { boot, startAutosave } from "../app/session";
import { Palette } from "../editor/Palette";
import { Canvas } from "../editor/Canvas";
import { Inspector } from "../editor/Inspector";
import { useEditor } from "../editor/store";
import { useEditorShortcuts, useUnloadWarning } from "../editor/shortcuts";
import { ResultsView } from "../results/ResultsView";
import { StrategiesModal } from "../strategies/StrategiesModal";
import { TemplatesModal } from "../strategies/TemplatesModal";
import { SettingsModal } from "../strategies/SettingsModal";
import { MarketsModal } from "../results/MarketsModal";
import { BotsPage } from "../bots/BotsPage";
import { ResearchView } from "../research/ResearchView";
import { BotsLayer } from "../bots/BotsLayer";
import { AlertsPage } from "../alerts/AlertsPage";
import { KeysPage } from "../keys/KeysPage";
import { DataPage } from "../data/DataPage";

function EditorView() {
  return (
    <div className="editor" data-testid="editor">
      <Palette />
      <Canvas />
      <Inspector />
    </div>
  );
}

export function App() {
  const view = useApp((s) => s.view);
  const modal = useApp((s) => s.modal);
  const confirming = useApp((s) => s.confirmRequest !== null);
  const dirty = useEditor((s) => s.dirty);
  const saveState = useApp((s) => s.saveState);
  useEditorShortcuts(view === "editor" && modal === null && !confirming);
  // A saved strategy autosaves; the browser asks before closing while anything is not on the server yet.
  useUnloadWarning(dirty || saveState === "saving" || saveState === "error");

  useEffect(() => {
    const stop = startAutosave();
    void boot();
    return stop;
  }, []);

  return (
    <ReactFlowProvider>
      <div className="app">
        <TopBar />
        <main className="main">
          {/* The editor stays mounted under the results so the canvas keeps its viewport. */}
          <div style={{ display: view === "editor" ? "contents" : "none" }}>
            <EditorView />
          </div>
          {view === "results" && <ResultsView />}
          {view === "research" && <ResearchView />}
          {view === "bots" && <BotsPage />}
          {view === "keys" && <KeysPage />}
          {view === "data" && <DataPage />}
          {view === "alerts" && <AlertsPage />}
        </main>
      </div>
      {modal === "strategies" && <StrategiesModal />}
      {(modal === "templates" || modal === "import") && <TemplatesModal key={modal} />}
      {modal === "settings" && <SettingsModal />}
      {modal === "markets" && <MarketsModal />}
      <ConfirmDialog />
      <BotsLayer />
      <Toast />
    </ReactFlowProvider>
  );
}
