import type { Metrics, Trade } from "@keyflow/core";
import { desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { ChartLine } from "../chart";
import { decodeResults } from "../resultCodec";
import { portfolioRuns, type PortfolioMarketData, type PortfolioMarketRow, type PortfolioRunRow, type StoredPortfolioMarket } from "../schema";
import type { BacktestStatus } from "../schema";
import type { RepoContext } from "./context";
import { pruneRuns } from "./retention";

/** A portfolio run as the rest of Keyflow sees it: each market's trades and the equity decoded (null until done). */
export type PortfolioRun = Omit<PortfolioRunRow, "results" | "legacyEquity" | "markets" | "data"> & {
  data: PortfolioMarketData[];
  markets: PortfolioMarketRow[] | null;
  equity: ChartLine | null;
  /** Bytes the run takes in the database (results, flow, metrics, markets). */
  bytes: number;
};
/** A portfolio run without its trades, curve and flow, for lists. */
export type PortfolioRunSummary = Omit<PortfolioRun, "markets" | "equity" | "flow">;

export type NewPortfolioRun = Omit<PortfolioRunRow, "createdAt" | "status" | "error" | "metrics" | "markets" | "results" | "legacyEquity" | "durationMs" | "finishedAt" | "name" | "pinned" | "data"> & {
  data: PortfolioMarketData[];
};

/** A finished portfolio: per-market outcomes without trades, and every market's trades plus the equity chart encoded (encodeResults, in market order). */
export interface PortfolioOutcome {
  metrics: Metrics;
  markets: (Omit<PortfolioMarketRow, "trades"> & { tradeCount: number })[];
  results: Uint8Array;
  bars: number;
  durationMs: number;
}

const runBytes = sql<number>`(coalesce(octet_length(${portfolioRuns.results}), 0) + coalesce(octet_length(${portfolioRuns.legacyEquity}), 0) + coalesce(octet_length(${portfolioRuns.markets}), 0) + octet_length(${portfolioRuns.flow}) + coalesce(octet_length(${portfolioRuns.metrics}), 0) + coalesce(octet_length(${portfolioRuns.data}), 0))`;

const { results: _r, legacyEquity: _e, markets: _m, flow: _f, ...summaryColumns } = getTableColumns(portfolioRuns);
const { results, legacyEquity, markets, ...rowColumns } = getTableColumns(portfolioRuns);

/** What a legacy row (stored with its trades, before runs were queued) says about the candles it read. */
function dataOf(row: { data: PortfolioMarketData[] | null; markets: StoredPortfolioMarket[] | null }): PortfolioMarketData[] {
  if (row.data) return row.data;
  return (row.markets ?? []).map((m) => ({ symbol: m.symbol, first: m.first ?? 0, last: m.last ?? 0, count: m.bars, dataHash: m.dataHash ?? "" }));
}

export function portfoliosRepo(ctx: RepoContext) {
  const { db, now } = ctx;

  function get(id: string): PortfolioRun | undefined {
    const row = db
      .select({ ...rowColumns, results, legacyEquity, markets, bytes: runBytes })
      .from(portfolioRuns)
      .where(eq(portfolioRuns.id, id))
      .get();
    if (!row) return undefined;
    const { results: blob, legacyEquity: legacy, markets: stored, data, ...rest } = row;
    const decoded = blob ? decodeResults(blob) : null;
    let at = 0;
    const withTrades = stored?.map((m): PortfolioMarketRow => {
      if ("trades" in m) return m;
      const { tradeCount, ...outcome } = m;
      const trades: Trade[] = decoded ? decoded.trades.slice(at, at + tradeCount) : [];
      at += tradeCount;
      return { ...outcome, trades };
    });
    return { ...rest, data: dataOf({ data, markets: stored }), markets: withTrades ?? null, equity: decoded?.chart.equity ?? legacy ?? null };
  }

  function listForStrategy(strategyId: string, limit = 50): PortfolioRunSummary[] {
    return db
      .select({ ...summaryColumns, markets, bytes: runBytes })
      .from(portfolioRuns)
      .where(eq(portfolioRuns.strategyId, strategyId))
      .orderBy(desc(portfolioRuns.createdAt))
      .limit(limit)
      .all()
      .map(({ markets: stored, data, ...r }) => ({ ...r, data: dataOf({ data, markets: stored }) }));
  }

  return {
    /** A queued run; a backtest worker computes it (`finish`, `fail`). */
    create(run: NewPortfolioRun): PortfolioRun {
      db.insert(portfolioRuns)
        .values({ ...run, status: "queued", createdAt: now() })
        .run();
      return get(run.id)!;
    },
    get,
    /** Status and what it ran, without results (no decoding). */
    getInfo(id: string): PortfolioRunSummary | undefined {
      const row = db
        .select({ ...summaryColumns, markets, bytes: runBytes })
        .from(portfolioRuns)
        .where(eq(portfolioRuns.id, id))
        .get();
      if (!row) return undefined;
      const { markets: stored, data, ...r } = row;
      return { ...r, data: dataOf({ data, markets: stored }) };
    },
    listForStrategy,
    setStatus(id: string, status: BacktestStatus): void {
      db.update(portfolioRuns).set({ status }).where(eq(portfolioRuns.id, id)).run();
    },
    finish(id: string, outcome: PortfolioOutcome): void {
      const { results: blob, ...rest } = outcome;
      db.update(portfolioRuns)
        .set({ ...rest, results: Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength), status: "done", error: null, finishedAt: now() })
        .where(eq(portfolioRuns.id, id))
        .run();
    },
    fail(id: string, status: "failed" | "cancelled", error: string): void {
      db.update(portfolioRuns).set({ status, error, finishedAt: now() }).where(eq(portfolioRuns.id, id)).run();
    },
    /** Crash-only recovery: runs left queued or running by a previous process did not finish. */
    failInterrupted(): number {
      return db
        .update(portfolioRuns)
        .set({ status: "failed", error: "Interrupted because the server stopped; run it again.", finishedAt: now() })
        .where(inArray(portfolioRuns.status, ["queued", "running"]))
        .run().changes;
    },
    setPinned(id: string, pinned: boolean): boolean {
      return db.update(portfolioRuns).set({ pinned }).where(eq(portfolioRuns.id, id)).run().changes > 0;
    },
    rename(id: string, name: string | null): boolean {
      return db.update(portfolioRuns).set({ name }).where(eq(portfolioRuns.id, id)).run().changes > 0;
    },
    /** How many portfolio runs are stored and the bytes they take. */
    storage(): { runs: number; bytes: number } {
      return db.select({ runs: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${runBytes}), 0)` }).from(portfolioRuns).get()!;
    },
    /** Retention, as for single runs: the newest `keep` portfolio runs of a strategy plus every pinned one stay (see `pruneRuns`). */
    prune(strategyId: string | null, keep: number): number {
      return pruneRuns(db, portfolioRuns, strategyId, keep);
    },
  };
}

export type PortfoliosRepo = ReturnType<typeof portfoliosRepo>;
