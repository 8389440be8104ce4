import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { BacktestRange, FlowGraph, RangePreset } from "@keyflow/core";

export type View = "editor" | "results" | "research" | "bots" | "keys" | "data" | "alerts";
export type Modal = null | "strategies" | "templates" | "import" | "settings" | "markets";

export interface RunState {
  status: "idle" | "starting" | "running" | "loading" | "done" | "error" | "cancelled";
  runId: string | null;
  percent: number;
  barsPerSec: number | null;
  /** performance.now() when the button was clicked; the results view reports click → drawn. */
  clickedAt: number | null;
  error: string | null;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  confirm: string;
  danger?: boolean;
  resolve: (ok: boolean) => void;
}

export interface AppState {
  view: View;
  modal: Modal;
  run: RunState;
  /** Run shown in the results view. */
  shownRunId: string | null;
  /** Portfolio run shown in the markets dialog (null: the strategy's newest). */
  shownPortfolioId: string | null;
  /** Two runs picked for side-by-side comparison. */
  compare: string[];
  comparing: boolean;
  toast: { text: string; error?: boolean; seq: number } | null;
  confirmRequest: ConfirmRequest | null;
  saveState: "saved" | "saving" | "dirty" | "error" | "unsaved";
  saveError: string | null;
  /** Milliseconds from click to drawn results of the last run (shown in the results header; read by the browser test). */
  lastDrawMs: number | null;
  /** Timings and spec hashes are shown (the "details" switch). */
  showDetails: boolean;
}

const IDLE: RunState = { status: "idle", runId: null, percent: 0, barsPerSec: null, clickedAt: null, error: null };

export const appStore = createStore<AppState>()(() => ({
  view: "editor",
  modal: null,
  run: IDLE,
  shownRunId: null,
  shownPortfolioId: null,
  compare: [],
  comparing: false,
  toast: null,
  confirmRequest: null,
  saveState: "unsaved",
  saveError: null,
  lastDrawMs: null,
  showDetails: false,
}));

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}

export const app = {
  set: appStore.setState,
  get: appStore.getState,
  toast(text: string, error = false) {
    const seq = (appStore.getState().toast?.seq ?? 0) + 1;
    appStore.setState({ toast: { text, error, seq } });
  },
  /** An explicit question, answered in a dialog (never `window.confirm`). */
  confirm(req: Omit<ConfirmRequest, "resolve">): Promise<boolean> {
    return new Promise((resolve) => appStore.setState({ confirmRequest: { ...req, resolve } }));
  },
  resetRun() {
    appStore.setState({ run: IDLE });
  },
};

/** What a strategy without a saved range backtests over: every stored candle. */
export const ALL_DATA: BacktestRange = { preset: "all", from: null, to: null };

export const rangeOf = (flow: FlowGraph): BacktestRange => flow.range ?? ALL_DATA;

/** Unix ms range for a preset, relative to the last candle of the market's data (both ends inclusive). */
export function rangeFor(preset: RangePreset, end: number | null): { from: number | null; to: number | null } {
  if (preset === "all" || preset === "custom" || end === null) return { from: null, to: null };
  const day = 86_400_000;
  const days = { "1y": 365, "6m": 182, "3m": 91, "1m": 30 }[preset];
  return { from: end - days * day, to: end };
}
