import { useEffect } from "react";
import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import { skipToken, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { trpc, trpcClient } from "../lib/trpc";
import type { BotDetail, BotStreamEvent, BotView, StopAllResult } from "./types";

const botsKey = () => trpc.bots.list.queryKey();
const botKey = (id: string) => trpc.bots.get.queryKey({ id });

export interface BotsUiState {
  /** The SSE stream of bot updates: "live" once it delivers. */
  stream: "connecting" | "live" | "error";
  streamError: string | null;
  selectedId: string | null;
  deployOpen: boolean;
  /** What the last press of the kill switch did. */
  kill: { at: number; result: StopAllResult } | null;
}

export const botsUi = createStore<BotsUiState>()(() => ({ stream: "connecting", streamError: null, selectedId: null, deployOpen: false, kill: null }));

export function useBotsUi<T>(selector: (s: BotsUiState) => T): T {
  return useStore(botsUi, selector);
}

export function useBots() {
  return useQuery(trpc.bots.list.queryOptions(undefined, { staleTime: 2_000 }));
}

export function useBot(id: string | null) {
  const qc = useQueryClient();
  return useQuery({
    ...trpc.bots.get.queryOptions(id ? { id } : skipToken, { staleTime: 2_000 }),
    // The stream may deliver a log line while this fetch is on its way and never send it again:
    // keep the lines already in the cache rather than let an older answer erase them.
    queryFn: id
      ? async () => {
          const fresh = await trpcClient.bots.get.query({ id });
          const cached = qc.getQueryData(botKey(id));
          return cached ? withEvents(fresh, cached.events) : fresh;
        }
      : skipToken,
  });
}

/** Not stopped: running, or halted by a risk limit (it still holds its lease and may resume). */
export const isActive = (b: Pick<BotView, "status">) => b.status !== "stopped";

const LOG_KEEP = 500;

/** The detail with these log lines added (log lines are append-only: one per id, in id order). */
function withEvents(d: BotDetail, more: readonly BotDetail["events"][number][]): BotDetail {
  const known = new Set(d.events.map((x) => x.id));
  const added = more.filter((x) => !known.has(x.id));
  if (added.length === 0) return d;
  const events = [...d.events, ...added].sort((a, b) => a.id - b.id);
  return { ...d, events: events.length > LOG_KEEP ? events.slice(-LOG_KEEP) : events };
}

/** Folds one stream message into the cached bot list and bot details. */
export function applyBotEvent(qc: QueryClient, e: BotStreamEvent): void {
  switch (e.type) {
    case "bot": {
      const bot = e.bot;
      qc.setQueryData(botsKey(), (list) => {
        if (!list) return list;
        const i = list.findIndex((b) => b.id === bot.id);
        if (i < 0) return [bot, ...list];
        const next = list.slice();
        next[i] = bot;
        return next;
      });
      qc.setQueryData(botKey(bot.id), (d) => (d ? { ...d, ...bot } : d));
      if (!qc.getQueryData(botsKey())?.some((b) => b.id === bot.id)) void qc.invalidateQueries({ queryKey: botsKey() });
      return;
    }
    case "order": {
      const { order } = e;
      qc.setQueryData(botKey(e.botId), (d) => {
        if (!d) return d;
        const rest = d.orders.filter((o) => o.id !== order.id);
        return { ...d, orders: [order, ...rest].sort((a, b) => b.id - a.id) };
      });
      return;
    }
    case "fill":
      // Fills change the round trips the detail shows: fetch them again.
      void qc.invalidateQueries({ queryKey: botKey(e.botId) });
      return;
    case "log": {
      const { event } = e;
      qc.setQueryData(botKey(e.botId), (d) => (d ? withEvents(d, [event]) : d));
      return;
    }
  }
}

/**
 * Keeps every bot's state live in the query cache through the `bots.events` SSE stream. Mounted once
 * by the app, so the kill switch in the top bar knows at any time whether a bot runs.
 */
export function BotsSync() {
  const qc = useQueryClient();
  useBots();
  useEffect(() => {
    const sub = trpcClient.bots.events.subscribe(
      {},
      {
        onStarted: () => botsUi.setState({ stream: "live", streamError: null }),
        onData: (e) => {
          if (botsUi.getState().stream !== "live") botsUi.setState({ stream: "live", streamError: null });
          applyBotEvent(qc, e);
        },
        onError: (e) => botsUi.setState({ stream: "error", streamError: e.message }),
        onConnectionStateChange: ({ state }) => {
          if (state === "connecting") botsUi.setState({ stream: "connecting" });
          if (state === "pending") botsUi.setState({ stream: "live", streamError: null });
        },
      },
    );
    return () => sub.unsubscribe();
  }, [qc]);
  return null;
}
