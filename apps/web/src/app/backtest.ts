import { editorStore } from "../editor/store";
import { errorMessage } from "../lib/errors";
import { app, appStore, rangeOf } from "./appStore";
import { queryClient } from "../lib/queryClient";
import { trpc, trpcClient } from "../lib/trpc";
import { runQuery } from "../results/useRun";
import { save } from "./session";
import { startDownload } from "../data/downloads";
import type { FlowGraph } from "@keyflow/core";

let unsubscribe: (() => void) | null = null;

function stopListening() {
  unsubscribe?.();
  unsubscribe = null;
}

/** The one button: save, start the run on the server, follow its progress, then show the result. */
export async function runBacktest(): Promise<void> {
  const clickedAt = performance.now();
  performance.mark("keyflow:click");
  const state = appStore.getState();
  if (["starting", "running", "loading"].includes(state.run.status)) return;
  const { validation } = editorStore.getState();
  if (!validation.ok) return;
  app.set({ run: { status: "starting", runId: null, percent: 0, barsPerSec: null, clickedAt, error: null }, lastDrawMs: null });

  const pinned = await savedStrategyRun();
  if (typeof pinned === "string") return fail(pinned);
  await startAndFollow(pinned);
}

/**
 * Saves pending edits and says which saved version (and range) a run starts from: a run belongs to
 * the saved strategy and is pinned to a version, never started from the canvas. A string: why not.
 */
export async function savedStrategyRun(): Promise<{ strategyId: string; version?: number; from?: number; to?: number } | string> {
  if (editorStore.getState().dirty || !editorStore.getState().strategyId) await save();
  const { strategyId, savedVersion, dirty, flow } = editorStore.getState();
  if (!strategyId || dirty) return appStore.getState().saveError ?? "The strategy could not be saved, so it cannot run; try again.";
  const { from, to } = rangeOf(flow);
  return { strategyId, ...(savedVersion !== null ? { version: savedVersion } : {}), ...(from !== null ? { from } : {}), ...(to !== null ? { to } : {}) };
}

/**
 * "Backtest this bot's market": the bot's flow on its exchange, symbol and timeframe up to now.
 * Missing candles are downloaded first (a stored series is brought up to date).
 */
export async function backtestBotMarket(flow: FlowGraph): Promise<void> {
  const clickedAt = performance.now();
  if (["starting", "running", "loading"].includes(appStore.getState().run.status)) return;
  const market = flow.market;
  app.set({ run: { status: "starting", runId: null, percent: 0, barsPerSec: null, clickedAt, error: null }, lastDrawMs: null });
  if (market.exchange !== "demo") {
    const stored = (await queryClient.fetchQuery(trpc.markets.list.queryOptions()).catch(() => [])).find(
      (s) => s.exchange === market.exchange && s.symbol === market.symbol && s.timeframe === market.timeframe,
    );
    app.toast(`Downloading ${market.symbol} ${market.timeframe} from ${market.exchange} up to now; the backtest starts when it is done.`);
    const done = await new Promise<boolean>((resolve) => {
      void startDownload(market, stored?.firstTime ?? Date.now() - 365 * 86_400_000, (p) => resolve(p.status === "done")).then((id) => id === null && resolve(false));
    });
    if (!done) return fail(`The candles of ${market.symbol} ${market.timeframe} could not be downloaded; see the Data page.`);
  }
  await startAndFollow({ flow });
}

/** Starts a run on the server, follows its progress, then shows the result. */
async function startAndFollow(input: Parameters<typeof trpcClient.backtests.run.mutate>[0]): Promise<void> {
  let runId: string;
  let reused: boolean;
  try {
    ({ runId, reused } = await trpcClient.backtests.run.mutate(input));
  } catch (e) {
    // A flow that does not compile comes back as the server's message too (the editor already shows its issues).
    fail(errorMessage(e));
    return;
  }
  follow(runId, reused);
}

/** "Run again": the shown run's strategy version, market, range and settings, on the candles stored now. */
export async function runAgain(runId: string): Promise<void> {
  if (["starting", "running", "loading"].includes(appStore.getState().run.status)) return;
  app.set({ run: { status: "starting", runId: null, percent: 0, barsPerSec: null, clickedAt: performance.now(), error: null }, lastDrawMs: null });
  try {
    const started = await trpcClient.backtests.rerun.mutate({ runId });
    follow(started.runId, false);
  } catch (e) {
    fail(errorMessage(e));
  }
}

/** Follows a started run's progress until it is done, then shows its result. */
export function follow(runId: string, reused: boolean): void {
  if (reused) {
    // Same logic, market, range, settings and candles as a finished run: that run is the answer.
    app.set({ run: { ...appStore.getState().run, status: "running", runId } });
    app.toast("Nothing changed since this backtest ran: showing its result.");
    void loadResult(runId);
    return;
  }
  performance.mark("keyflow:run-started", { detail: { runId } });
  app.set({ run: { ...appStore.getState().run, status: "running", runId } });
  stopListening();
  const sub = trpcClient.backtests.progress.subscribe(
    { runId },
    {
      onData: (p) => {
        const run = appStore.getState().run;
        if (run.runId !== runId || run.status !== "running") return;
        if (p.status === "done") {
          performance.mark("keyflow:run-done", { detail: { runId } });
          stopListening();
          void loadResult(runId);
        } else if (p.status === "failed") {
          stopListening();
          fail(p.error ?? "The backtest failed.");
        } else if (p.status === "cancelled") {
          stopListening();
          app.set({ run: { ...run, status: "cancelled", percent: p.percent } });
          app.toast("Backtest cancelled.");
        } else {
          app.set({ run: { ...run, percent: p.percent, barsPerSec: p.barsPerSec || null } });
        }
      },
      onError: (e) => {
        if (appStore.getState().run.runId === runId && appStore.getState().run.status === "running") fail(e.message);
      },
    },
  );
  unsubscribe = () => sub.unsubscribe();
}

async function loadResult(runId: string) {
  const run = appStore.getState().run;
  app.set({ run: { ...run, status: "loading", percent: 100 } });
  try {
    // A run without a result cannot be drawn: say why instead of opening an empty view.
    await queryClient.fetchQuery(runQuery(runId));
    performance.mark("keyflow:result-loaded", { detail: { runId } });
    app.set({ run: { ...appStore.getState().run, status: "done" }, shownRunId: runId, view: "results", comparing: false });
    const sid = editorStore.getState().strategyId;
    if (sid) void queryClient.invalidateQueries({ queryKey: trpc.backtests.listForStrategy.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.backtests.storage.pathKey() });
  } catch (e) {
    fail(errorMessage(e));
  }
}

function fail(message: string) {
  app.set({ run: { ...appStore.getState().run, status: "error", error: message } });
  app.toast(message, true);
}

export async function cancelBacktest(): Promise<void> {
  const { run } = appStore.getState();
  if (!run.runId || run.status !== "running") return;
  try {
    await trpcClient.backtests.cancel.mutate({ runId: run.runId });
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
  // The subscription reports "cancelled"; if it is gone already, settle here.
  setTimeout(() => {
    const r = appStore.getState().run;
    if (r.runId === run.runId && r.status === "running") {
      stopListening();
      app.set({ run: { ...r, status: "cancelled" } });
      app.toast("Backtest cancelled.");
    }
  }, 1500);
}
