import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { Market } from "@keyflow/core";
import { trpc, trpcClient, type RouterOutputs } from "../lib/trpc";
import { errorMessage } from "../lib/errors";
import { queryClient } from "../lib/queryClient";
import { app } from "../app/appStore";

/**
 * Candle downloads as the pages see them: the server runs them; this follows their progress (SSE),
 * picks up the ones already running after a reload, and starts, cancels and resumes them.
 */
export type DownloadProgress = RouterOutputs["markets"]["downloadProgress"] extends AsyncIterable<infer T> ? T : never;

interface DownloadsState {
  /** By job id, newest last; finished ones stay until dismissed so their result can be read. */
  jobs: Record<string, DownloadProgress>;
}

export const downloadsStore = createStore<DownloadsState>()(() => ({ jobs: {} }));
export const useDownloads = <T,>(selector: (s: DownloadsState) => T): T => useStore(downloadsStore, selector);

const following = new Map<string, () => void>();
const whenDone = new Map<string, ((p: DownloadProgress) => void)[]>();

const refreshSeries = () => queryClient.invalidateQueries({ queryKey: trpc.markets.list.queryKey() });

function follow(jobId: string): void {
  if (following.has(jobId)) return;
  let pagesSeen = 0;
  const sub = trpcClient.markets.downloadProgress.subscribe(
    { jobId },
    {
      onData: (p) => {
        downloadsStore.setState((s) => ({ jobs: { ...s.jobs, [jobId]: p } }));
        // The series table follows the stored candles a page at a time, not on every event.
        if (p.pages >= pagesSeen + 5) {
          pagesSeen = p.pages;
          void refreshSeries();
        }
        if (p.status !== "running") {
          sub.unsubscribe();
          following.delete(jobId);
          void refreshSeries();
          for (const f of whenDone.get(jobId) ?? []) f(p);
          whenDone.delete(jobId);
        }
      },
      onError: () => {
        following.delete(jobId);
      },
    },
  );
  following.set(jobId, () => sub.unsubscribe());
}

/** After a reload: the downloads the server is running now. */
export async function followRunning(): Promise<void> {
  try {
    const running = await trpcClient.markets.downloads.query();
    for (const p of running) {
      downloadsStore.setState((s) => ({ jobs: { ...s.jobs, [p.jobId]: p } }));
      follow(p.jobId);
    }
  } catch {
    /* the series table shows the server's error */
  }
}

/** Starts (or resumes: it continues after the last stored candle) a download; `onDone` runs when it ends. */
export async function startDownload(market: Market, since: number, onDone?: (p: DownloadProgress) => void): Promise<string | null> {
  try {
    const { jobId } = await trpcClient.markets.download.mutate({ market, since });
    if (onDone) whenDone.set(jobId, [...(whenDone.get(jobId) ?? []), onDone]);
    follow(jobId);
    return jobId;
  } catch (e) {
    app.toast(errorMessage(e), true);
    return null;
  }
}

export async function cancelDownload(jobId: string): Promise<void> {
  try {
    await trpcClient.markets.cancelDownload.mutate({ jobId });
  } catch (e) {
    app.toast(errorMessage(e), true);
  }
}

export function dismissDownload(jobId: string): void {
  downloadsStore.setState((s) => {
    const { [jobId]: _gone, ...jobs } = s.jobs;
    return { jobs };
  });
}
