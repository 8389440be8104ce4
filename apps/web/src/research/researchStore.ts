import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import { sweepSettingsSchema, walkForwardSettingsSchema, type SweepSettings, type WalkForwardSettings } from "@keyflow/core";
import type { RouterOutputs } from "../lib/trpc";

export type ResearchProgress = RouterOutputs["research"]["progress"] extends AsyncIterable<infer T> ? T : never;

export interface ResearchState {
  settings: SweepSettings;
  walkForward: WalkForwardSettings;
  /** The research run being followed (progress) and the one shown. */
  activeId: string | null;
  progress: ResearchProgress | null;
  shownId: string | null;
  error: string | null;
}

export const researchStore = createStore<ResearchState>()(() => ({
  settings: sweepSettingsSchema.parse({}),
  walkForward: walkForwardSettingsSchema.parse({ windows: 5, inSampleBars: 2000, outOfSampleBars: 500 }),
  activeId: null,
  progress: null,
  shownId: null,
  error: null,
}));

export function useResearch<T>(selector: (s: ResearchState) => T): T {
  return useStore(researchStore, selector);
}
