import { editorStore } from "../editor/store";
import { app, appStore, type View } from "./appStore";

/**
 * The open strategy, the tab and the shown run live in the URL hash, so reload, back and forward
 * return to them: `#/s/<strategyId>` (editor), `#/s/<id>/results/<runId>`, `#/s/<id>/data`, `#/bots`.
 */
export interface Route {
  strategyId: string | null;
  view: View;
  runId: string | null;
}

const VIEWS: readonly View[] = ["editor", "results", "research", "bots", "keys", "data", "alerts"];
const isView = (v: string | undefined): v is View => v !== undefined && (VIEWS as readonly string[]).includes(v);

export function parseRoute(hash: string): Route | null {
  const parts = hash.replace(/^#?\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return null;
  if (parts[0] === "s" && parts[1]) {
    const view = parts[2] ?? "editor";
    if (!isView(view)) return { strategyId: parts[1], view: "editor", runId: null };
    return { strategyId: parts[1], view, runId: view === "results" ? (parts[3] ?? null) : null };
  }
  return isView(parts[0]) ? { strategyId: null, view: parts[0], runId: null } : null;
}

export function formatRoute(r: Route): string {
  const tail = r.view === "editor" ? "" : `/${r.view}${r.view === "results" && r.runId ? `/${encodeURIComponent(r.runId)}` : ""}`;
  return r.strategyId ? `#/s/${encodeURIComponent(r.strategyId)}${tail}` : `#${tail || "/"}`;
}

function current(): Route {
  const { view, shownRunId } = appStore.getState();
  return { strategyId: editorStore.getState().strategyId, view, runId: shownRunId };
}

/**
 * Keeps the hash in step with the app (a new history entry per change of strategy, tab or run) and
 * applies the hash on back/forward. `open` loads another strategy (it may ask to save first).
 */
export function syncRoute(open: (id: string) => Promise<void>): () => void {
  let applying = false;
  const write = () => {
    if (applying) return;
    const hash = formatRoute(current());
    if (hash !== window.location.hash) window.history.pushState(null, "", hash);
  };
  const unsubApp = appStore.subscribe((s, p) => {
    if (s.view !== p.view || s.shownRunId !== p.shownRunId) write();
  });
  const unsubEditor = editorStore.subscribe((s, p) => {
    if (s.strategyId !== p.strategyId) write();
  });
  const onPop = () => void applyRoute(parseRoute(window.location.hash), open).finally(() => (applying = false));
  const onPopGuarded = () => {
    applying = true;
    onPop();
  };
  window.addEventListener("popstate", onPopGuarded);
  // The first entry gets the app's state without adding a history step.
  window.history.replaceState(null, "", formatRoute(current()));
  return () => {
    unsubApp();
    unsubEditor();
    window.removeEventListener("popstate", onPopGuarded);
  };
}

/** Brings the app to a route: opens its strategy, then its tab and run. */
export async function applyRoute(route: Route | null, open: (id: string) => Promise<void>): Promise<void> {
  if (!route) return;
  if (route.strategyId && route.strategyId !== editorStore.getState().strategyId) await open(route.strategyId);
  app.set({ view: route.view, ...(route.view === "results" ? { shownRunId: route.runId, comparing: false } : {}) });
}
