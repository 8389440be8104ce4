import { editorStore } from "../editor/store";
import { app, appStore, rangeOf } from "../app/appStore";
import { save } from "../app/session";
import { errorMessage } from "../lib/errors";
import { queryClient } from "../lib/queryClient";
import { trpc, trpcClient } from "../lib/trpc";
import { researchStore } from "./researchStore";

let unsubscribe: (() => void) | null = null;

/** Saves the flow (ranges included), starts a sweep or walk-forward on the server and follows its progress. */
export async function startResearch(kind: "sweep" | "walkforward"): Promise<void> {
  const s = researchStore.getState();
  if (s.progress?.status === "running" || s.progress?.status === "queued") return;
  researchStore.setState({ error: null, progress: null });
  if (editorStore.getState().dirty || !editorStore.getState().strategyId) await save();
  const { strategyId, flow } = editorStore.getState();
  if (!strategyId) {
    researchStore.setState({ error: "Save the strategy first: sweeps are stored with it." });
    return;
  }
  const { from, to } = rangeOf(flow);
  let id: string;
  try {
    ({ id } = await trpcClient.research.start.mutate({
      strategyId,
      settings: s.settings,
      ...(kind === "walkforward" ? { walkForward: s.walkForward } : {}),
      ...(from !== null ? { from } : {}),
      ...(to !== null ? { to } : {}),
    }));
  } catch (e) {
    researchStore.setState({ error: errorMessage(e) });
    return;
  }
  researchStore.setState({ activeId: id });
  unsubscribe?.();
  const sub = trpcClient.research.progress.subscribe(
    { id },
    {
      onData: (p) => {
        if (researchStore.getState().activeId !== id) return;
        researchStore.setState({ progress: p });
        if (p.status === "running" || p.status === "queued") {
          // A queued run shows in the list of past sweeps as queued.
          if (p.status === "queued") void queryClient.invalidateQueries({ queryKey: trpc.research.listForStrategy.pathKey() });
        } else {
          unsubscribe?.();
          unsubscribe = null;
          // A cancelled run keeps (and shows) what it had finished.
          if (p.status === "done" || p.status === "cancelled") researchStore.setState({ shownId: id });
          else if (p.status === "failed") researchStore.setState({ error: p.error ?? "The sweep failed." });
          void queryClient.invalidateQueries({ queryKey: trpc.research.listForStrategy.pathKey() });
        }
      },
      onError: (e) => researchStore.setState({ error: errorMessage(e) }),
    },
  );
  unsubscribe = () => sub.unsubscribe();
}

export async function cancelResearch(): Promise<void> {
  const id = researchStore.getState().activeId;
  if (!id) return;
  try {
    await trpcClient.research.cancel.mutate({ id });
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

/** Writes a sweep row's values into a new version of the strategy and opens it in the editor. */
export async function applyRow(id: string, row: number): Promise<void> {
  try {
    const r = await trpcClient.research.applyRow.mutate({ id, row });
    const s = await trpcClient.strategies.get.query({ id: r.strategyId, version: r.version });
    editorStore.getState().load(s.flow, s.id);
    app.set({ saveState: "saved" });
    app.toast(`Saved as version ${r.version}: ${Object.entries(r.params).map(([k, v]) => `${k} = ${v}`).join(", ")}.`);
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}
