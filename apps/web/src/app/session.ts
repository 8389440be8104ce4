import { getTemplate, uniqueName, DEFAULT_TEMPLATE_ID, NAME_MAX, type FlowGraph } from "@keyflow/core";
import { editorStore, emptyFlow } from "../editor/store";
import { trpc, trpcClient, type RouterOutputs } from "../lib/trpc";
import { errorMessage } from "../lib/errors";
import { downloadFile } from "../ui/download";
import { app, appStore } from "./appStore";
import { queryClient } from "../lib/queryClient";
import { applyRoute, parseRoute, syncRoute } from "./route";

/**
 * What the buttons do: the glue between the editor store, the app store and the server.
 * Components call these; they hold no logic of their own.
 */

/** The saved strategies, as every list of them asks for it (the cache entry `save` refreshes). */
export const strategiesQuery = () => trpc.strategies.list.queryOptions();
const refreshStrategies = () => queryClient.invalidateQueries({ queryKey: trpc.strategies.list.queryKey() });

let saving: Promise<void> | null = null;

/** Saves the flow to the server (creating the strategy the first time). */
export async function save(): Promise<boolean> {
  if (saving) await saving.catch(() => undefined);
  const { flow, strategyId } = editorStore.getState();
  app.set({ saveState: "saving" });
  const job = (async () => {
    if (strategyId) {
      const { strategy } = await trpcClient.strategies.save.mutate({ id: strategyId, flow });
      editorStore.getState().markSaved(strategyId, flow, strategy.latestVersion);
    } else {
      const { id, latestVersion } = await trpcClient.strategies.create.mutate({ flow });
      editorStore.getState().markSaved(id, flow, latestVersion);
    }
  })();
  saving = job;
  try {
    await job;
    app.set({ saveState: editorStore.getState().dirty ? "dirty" : "saved", saveError: null });
    void refreshStrategies();
    return true;
  } catch (e) {
    app.set({ saveState: "error", saveError: errorMessage(e) });
    return false;
  } finally {
    if (saving === job) saving = null;
  }
}

/**
 * Before the canvas is replaced: a saved strategy is saved now; a flow that cannot be saved is only
 * dropped after an explicit "Discard".
 */
export async function confirmLeave(): Promise<boolean> {
  const { dirty, strategyId } = editorStore.getState();
  if (!dirty) return true;
  if (strategyId && (await save())) return true;
  return app.confirm({
    title: "Discard unsaved changes?",
    message: strategyId
      ? `Your last changes to “${editorStore.getState().flow.name}” could not be saved (${appStore.getState().saveError ?? "server unreachable"}). Discard them?`
      : `“${editorStore.getState().flow.name}” has never been saved. Discard it?`,
    confirm: "Discard changes",
    danger: true,
  });
}

function resetResults() {
  app.set({ shownRunId: null, shownPortfolioId: null, compare: [], comparing: false, view: "editor" });
  app.resetRun();
}

export async function openStrategy(id: string): Promise<void> {
  if (id === editorStore.getState().strategyId) return;
  if (!(await confirmLeave())) return;
  try {
    const s = await trpcClient.strategies.get.query({ id });
    editorStore.getState().load(s.flow, s.id, { version: s.latestVersion });
    app.set({ saveState: "saved", modal: null });
    resetResults();
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

/** Puts a flow on the canvas as a new strategy and saves it. */
export async function startFrom(flow: FlowGraph, opts: { skipConfirm?: boolean } = {}): Promise<boolean> {
  if (!opts.skipConfirm && !(await confirmLeave())) return false;
  // Lists show strategies by name: a second import of the same template becomes "… (2)".
  const taken = await queryClient.fetchQuery(strategiesQuery()).catch(() => []);
  const name = uniqueName(flow.name, taken.map((s) => s.name));
  editorStore.getState().load({ ...structuredClone(flow), name }, null, { dirty: true });
  app.set({ modal: null, saveState: "unsaved" });
  resetResults();
  await save();
  return true;
}

export function newStrategy() {
  return startFrom(emptyFlow("Untitled strategy", editorStore.getState().flow.market));
}

export async function renameStrategy(id: string, name: string) {
  try {
    if (id === editorStore.getState().strategyId) {
      editorStore.getState().setName(name);
      await save();
    } else {
      // The name lives in the flow too: save a version with the new name so both agree.
      const s = await trpcClient.strategies.get.query({ id });
      await trpcClient.strategies.save.mutate({ id, flow: { ...s.flow, name } });
    }
    void refreshStrategies();
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

export async function duplicateStrategy(id: string) {
  try {
    if (id === editorStore.getState().strategyId) await save();
    const s = await trpcClient.strategies.get.query({ id });
    const { id: copy } = await trpcClient.strategies.create.mutate({ flow: { ...s.flow, name: `${s.flow.name} (copy)`.slice(0, NAME_MAX) } });
    await refreshStrategies();
    app.toast("Duplicated.");
    return copy;
  } catch (e) {
    app.toast(errorMessage(e), true);
    return null;
  }
}

export async function deleteStrategy(id: string, name: string) {
  const ok = await app.confirm({ title: `Delete “${name}”?`, message: "The strategy and its past backtests are deleted. This cannot be undone.", confirm: "Delete", danger: true });
  if (!ok) return;
  try {
    await trpcClient.strategies.delete.mutate({ id });
    await refreshStrategies();
    if (id === editorStore.getState().strategyId) {
      // The canvas keeps the flow as an unsaved copy rather than vanishing under the person's eyes.
      editorStore.getState().load(editorStore.getState().flow, null, { dirty: true });
      app.set({ saveState: "unsaved" });
      resetResults();
    }
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

/** Downloads the flow as a template file (made by the server, which strips anything private). */
export async function exportFlow(flow: FlowGraph = editorStore.getState().flow): Promise<void> {
  let file;
  try {
    file = await trpcClient.templates.export.query({ flow });
  } catch (e) {
    app.toast(errorMessage(e), true);
    return;
  }
  downloadFile(file.fileName, new Blob([file.json], { type: "application/json" }));
  app.toast(`Exported ${file.fileName}`);
}

/**
 * First visit: the strategy, tab and run the URL names (reload, a bookmark), else the most recent
 * strategy, or — on a fresh install — the sma-cross template on the demo market. Then the URL
 * follows the app (see route.ts).
 */
let booted = false;
export async function boot(): Promise<void> {
  // Once per page: React's StrictMode runs effects twice in development.
  if (booted) return;
  booted = true;
  let list: RouterOutputs["strategies"]["list"] = [];
  try {
    list = await queryClient.fetchQuery(strategiesQuery());
  } catch (e) {
    app.toast(`The server did not answer: ${errorMessage(e)}`, true);
  }
  const route = parseRoute(window.location.hash);
  const requested = route?.strategyId ?? new URL(window.location.href).searchParams.get("strategy");
  const pick = list.find((s) => s.id === requested) ?? [...list].sort((a, b) => b.updatedAt - a.updatedAt)[0];
  let opened = false;
  if (pick) {
    try {
      const s = await trpcClient.strategies.get.query({ id: pick.id });
      editorStore.getState().load(s.flow, s.id, { version: s.latestVersion });
      app.set({ saveState: "saved" });
      opened = true;
    } catch (e) {
      app.toast(errorMessage(e), true);
    }
  }
  if (!opened) {
    const tpl = getTemplate(DEFAULT_TEMPLATE_ID);
    await startFrom(tpl ? tpl.flow : emptyFlow(), { skipConfirm: true });
  }
  // The tab and run of the URL, when it named this strategy (or no strategy: bots, keys, data).
  if (route && (route.strategyId === null || route.strategyId === editorStore.getState().strategyId)) await applyRoute({ ...route, strategyId: null }, openStrategy);
  syncRoute(openStrategy);
}

let autosaveTimer: ReturnType<typeof setTimeout> | null = null;
/** Saves a strategy that already exists on the server a moment after the last change. */
export function startAutosave(delayMs = 800): () => void {
  const unsub = editorStore.subscribe((s, prev) => {
    if (s.flow === prev.flow && s.dirty === prev.dirty) return;
    if (!s.dirty) {
      if (appStore.getState().saveState === "dirty") app.set({ saveState: "saved" });
      return;
    }
    app.set({ saveState: s.strategyId ? "dirty" : "unsaved" });
    if (!s.strategyId) return;
    if (autosaveTimer) clearTimeout(autosaveTimer);
    autosaveTimer = setTimeout(() => {
      autosaveTimer = null;
      void save();
    }, delayMs);
  });
  return () => {
    unsub();
    if (autosaveTimer) clearTimeout(autosaveTimer);
  };
}
