import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError, type TRPCClient } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@keyflow/server";
import { getBlock, KEYFLOW_CLIENT_HEADER, type CompileIssue, type FlowGraph } from "@keyflow/core";
import type { Api, MarketInfo, Progress, RunStart, StrategySummary } from "./apiTypes";
import { drawdownOf, type IndicatorLine, type RunSummary, type RunView } from "../results/model";

type Outputs = inferRouterOutputs<AppRouter>;
type RunRow = Outputs["backtests"]["get"];

export function createClient(url = "/trpc"): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url }),
        // The server takes changes only with this header (a foreign page cannot send it).
        false: httpBatchLink({ url, headers: { [KEYFLOW_CLIENT_HEADER]: "web" } }),
      }),
    ],
  });
}

/** "SMA 10", "RSI 14", "MACD 12/26/9 · Signal": how the chart legend names a recorded output. */
export function indicatorLabel(flow: FlowGraph, nodeId: string, port: string): string {
  const node = flow.nodes.find((n) => n.id === nodeId);
  const block = node && getBlock(node.kind);
  if (!node || !block) return `${nodeId}.${port}`;
  const nums = Object.values(node.params).filter((v): v is number => typeof v === "number");
  const base = `${block.label}${nums.length > 0 && block.category === "indicator" ? ` ${nums.join("/")}` : ""}`;
  const out = block.outputs.find((p) => p.name === port);
  return block.outputs.length > 1 && out ? `${base} · ${out.label}` : base;
}

const THRESHOLD_BLOCKS = new Set(["lessThan", "greaterThan", "crossAbove", "crossBelow", "between"]);

/** The constants a flow compares a node's output against, when they are params of unconnected inputs. */
export function thresholdsOf(flow: FlowGraph, nodeId: string, port: string): number[] {
  const levels = new Set<number>();
  for (const e of flow.edges) {
    if (e.source !== nodeId || e.sourceHandle !== port || e.targetHandle !== "a") continue;
    const target = flow.nodes.find((n) => n.id === e.target);
    if (!target || !THRESHOLD_BLOCKS.has(target.kind)) continue;
    const block = getBlock(target.kind)!;
    const fed = new Set(flow.edges.filter((x) => x.target === target.id).map((x) => x.targetHandle));
    for (const input of block.inputs) {
      if (!input.fallbackParam || fed.has(input.name)) continue;
      const v = target.params[input.fallbackParam];
      if (typeof v === "number" && Number.isFinite(v)) levels.add(v);
    }
  }
  return [...levels].sort((a, b) => a - b);
}

export function runView(row: RunRow, strategyName?: string): RunView {
  const chart = row.chart;
  if (!chart || !row.metrics || !row.trades) throw new Error(row.error ?? `This backtest is ${row.status}; it has no result.`);
  const flow = row.flow;
  const indicators: IndicatorLine[] = chart.indicators.map((l) => ({
    nodeId: l.nodeId,
    port: l.port,
    label: indicatorLabel(flow, l.nodeId, l.port),
    chart: l.pane,
    levels: thresholdsOf(flow, l.nodeId, l.port),
    time: l.time,
    // NaN (warm-up) arrives as null over JSON.
    value: l.value as (number | null)[],
  }));
  const equity = { time: chart.equity.time, value: chart.equity.value as (number | null)[] };
  return {
    id: row.id,
    strategyName: strategyName ?? flow.name,
    createdAt: row.createdAt,
    market: { exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe },
    from: row.fromTime,
    to: row.toTime,
    bars: row.bars,
    specHash: row.specHash,
    durationMs: row.durationMs ?? null,
    metrics: row.metrics,
    trades: row.trades,
    openPosition: row.openPosition ?? null,
    candles: chart.candles,
    equity,
    drawdown: chart.drawdown ? { time: chart.drawdown.time, value: chart.drawdown.value as (number | null)[] } : drawdownOf(equity),
    indicators,
  };
}

function compileIssues(e: unknown): CompileIssue[] | null {
  if (!(e instanceof TRPCClientError)) return null;
  const ue = (e.data as { userError?: { kind?: string; issues?: CompileIssue[] } | null } | undefined)?.userError;
  return ue?.kind === "compile" && Array.isArray(ue.issues) ? ue.issues : null;
}

const STATUS: Record<string, Progress["status"]> = { queued: "queued", running: "running", done: "done", failed: "error", cancelled: "cancelled" };

export function createTrpcApi(client: TRPCClient<AppRouter> = createClient()): Api {
  return {
    async listStrategies(): Promise<StrategySummary[]> {
      const rows = await client.strategies.list.query();
      return rows.map((r) => ({ id: r.id, name: r.name, updatedAt: r.updatedAt, market: r.market ?? null, flow: null }));
    },
    async getStrategy(id) {
      const s = await client.strategies.get.query({ id });
      return { id: s.id, name: s.name, flow: s.flow };
    },
    async createStrategy(flow) {
      const s = await client.strategies.create.mutate({ flow });
      return { id: s.id };
    },
    async saveStrategy(id, flow) {
      await client.strategies.save.mutate({ id, flow });
    },
    async renameStrategy(id, name) {
      // The name lives in the flow too: save a version with the new name so both agree.
      const s = await client.strategies.get.query({ id });
      await client.strategies.save.mutate({ id, flow: { ...s.flow, name } });
    },
    async duplicateStrategy(id) {
      const s = await client.strategies.get.query({ id });
      const copy = await client.strategies.create.mutate({ flow: { ...s.flow, name: `${s.flow.name} (copy)`.slice(0, 120) } });
      return { id: copy.id };
    },
    async deleteStrategy(id) {
      await client.strategies.delete.mutate({ id });
    },

    async listMarkets(): Promise<MarketInfo[]> {
      const rows = await client.markets.list.query();
      return rows.map((r) => ({ exchange: r.exchange, symbol: r.symbol, timeframe: r.timeframe, from: r.firstTime, to: r.lastTime, bars: r.count, source: r.source }));
    },

    async getCandles(market, from, to, maxPoints = 2000) {
      const series = (await client.markets.list.query()).find((s) => s.exchange === market.exchange && s.symbol === market.symbol && s.timeframe === market.timeframe);
      if (!series) throw new Error(`No stored candles for ${market.symbol} ${market.timeframe} any more.`);
      const r = await client.markets.candles.query({ seriesId: series.id, from: Math.max(0, Math.floor(from)), to: Math.floor(to), maxPoints });
      return { bucketMs: r.bucketMs, time: r.time, open: r.open, high: r.high, low: r.low, close: r.close };
    },

    exportTemplate(flow) {
      return client.templates.export.query({ flow });
    },

    async runBacktest({ strategyId, flow, from, to }): Promise<RunStart> {
      try {
        const r = await client.backtests.run.mutate({
          flow,
          ...(strategyId ? { strategyId } : {}),
          ...(from !== null ? { from } : {}),
          ...(to !== null ? { to } : {}),
        });
        return { ok: true, runId: r.runId };
      } catch (e) {
        const issues = compileIssues(e);
        if (issues) return { ok: false, errors: issues, message: (e as Error).message };
        throw e;
      }
    },
    onProgress(runId, cb, onError) {
      const sub = client.backtests.progress.subscribe(
        { runId },
        {
          onData: (p) =>
            cb({
              percent: p.percent,
              barsPerSec: p.barsPerSec || null,
              status: STATUS[p.status] ?? "running",
              ...(p.error ? { message: p.error } : {}),
            }),
          onError: (e) => onError(e.message),
        },
      );
      return () => sub.unsubscribe();
    },
    async cancelBacktest(runId) {
      await client.backtests.cancel.mutate({ runId });
    },
    async getRun(runId) {
      return runView(await client.backtests.get.query({ runId }));
    },
    async listRuns(strategyId): Promise<RunSummary[]> {
      const rows = await client.backtests.listForStrategy.query({ strategyId, limit: 100 });
      return rows.map((r) => ({
        id: r.id,
        createdAt: r.createdAt,
        status: r.status,
        market: { exchange: r.exchange, symbol: r.symbol, timeframe: r.timeframe },
        from: r.fromTime,
        to: r.toTime,
        totalReturnPct: r.metrics?.totalReturnPct ?? null,
        trades: r.metrics?.trades ?? null,
        specHash: r.specHash,
        error: r.error,
      }));
    },
  };
}
