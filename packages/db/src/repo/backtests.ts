import { canonicalJson, type FlowGraph, type Metrics, type OpenPosition, type Settings, type Timeframe, type Trade, type Verification, packResults } from "@keyflow/core";
import { and, desc, eq, getTableColumns, gte, inArray, sql } from "drizzle-orm";
import type { BacktestChart } from "../chart";
import { decodeResults, encodeResults, resultColumns } from "../resultCodec";
import { backtestRuns, type BacktestRunRow, type BacktestStatus } from "../schema";
import type { RepoContext } from "./context";
import { pruneRuns } from "./retention";

/** A run as the rest of Keyflow sees it: trades and chart decoded (null until it finished). */
export type BacktestRun = Omit<BacktestRunRow, "results" | "legacyTrades" | "legacyChart"> & {
  trades: Trade[] | null;
  chart: BacktestChart | null;
  /** Bytes the run takes in the database (results, flow, metrics). */
  bytes: number;
};
/** A run without its heavy parts (trades, chart, flow), for lists. */
export type BacktestRunSummary = Omit<BacktestRun, "trades" | "chart" | "flow">;

export interface NewBacktestRun {
  id: string;
  strategyId: string | null;
  strategyVersion: number | null;
  flow: FlowGraph;
  specHash: string;
  market: { exchange: string; symbol: string; timeframe: Timeframe };
  fromTime: number;
  toTime: number;
  settings: Settings;
  bars: number;
  /** What pins the result: the candles read, the engine that ran (see the schema's columns). */
  dataHash: string;
  dataFirstTime: number;
  dataLastTime: number;
  engineVersion: string;
  fillRules: string;
  rerunOf?: string | null;
}

export interface BacktestOutcome {
  metrics: Metrics;
  trades: Trade[];
  openPosition: OpenPosition | null;
  chart: BacktestChart;
  bars: number;
  durationMs: number;
}

/** An outcome whose trades and chart are already encoded (`encodeResults`, e.g. in a worker thread). */
export type EncodedOutcome = Omit<BacktestOutcome, "trades" | "chart"> & { results: Uint8Array };

/**
 * Bytes a run's row holds in its large values. octet_length() takes a value's size from the row's
 * header without reading the value (length() of text would read every character of an old run's JSON).
 */
const runBytes = sql<number>`(coalesce(octet_length(${backtestRuns.results}), 0) + coalesce(octet_length(${backtestRuns.legacyTrades}), 0) + coalesce(octet_length(${backtestRuns.legacyChart}), 0) + octet_length(${backtestRuns.flow}) + coalesce(octet_length(${backtestRuns.metrics}), 0))`;

const summaryColumns = {
  id: backtestRuns.id,
  strategyId: backtestRuns.strategyId,
  strategyVersion: backtestRuns.strategyVersion,
  specHash: backtestRuns.specHash,
  exchange: backtestRuns.exchange,
  symbol: backtestRuns.symbol,
  timeframe: backtestRuns.timeframe,
  fromTime: backtestRuns.fromTime,
  toTime: backtestRuns.toTime,
  settings: backtestRuns.settings,
  status: backtestRuns.status,
  error: backtestRuns.error,
  bars: backtestRuns.bars,
  metrics: backtestRuns.metrics,
  openPosition: backtestRuns.openPosition,
  durationMs: backtestRuns.durationMs,
  createdAt: backtestRuns.createdAt,
  finishedAt: backtestRuns.finishedAt,
  name: backtestRuns.name,
  pinned: backtestRuns.pinned,
  dataHash: backtestRuns.dataHash,
  dataFirstTime: backtestRuns.dataFirstTime,
  dataLastTime: backtestRuns.dataLastTime,
  engineVersion: backtestRuns.engineVersion,
  fillRules: backtestRuns.fillRules,
  rerunOf: backtestRuns.rerunOf,
  verification: backtestRuns.verification,
  bytes: runBytes,
};

const { results, legacyTrades, legacyChart, ...rowColumns } = getTableColumns(backtestRuns);
const fullColumns = { ...rowColumns, results, legacyTrades, legacyChart, bytes: runBytes };

export function backtestRepo(ctx: RepoContext) {
  const { db, now } = ctx;

  function create(run: NewBacktestRun): BacktestRun {
    const { market, ...rest } = run;
    db.insert(backtestRuns)
      .values({ ...rest, ...market, status: "queued", createdAt: now() })
      .run();
    return get(run.id)!;
  }

  function setStatus(id: string, status: BacktestStatus): void {
    db.update(backtestRuns).set({ status }).where(eq(backtestRuns.id, id)).run();
  }

  /** Stores a finished run's outcome, encoding its trades and chart (see `finishEncoded`). */
  function finish(id: string, outcome: BacktestOutcome): void {
    const { trades, chart, ...rest } = outcome;
    const row = db.select({ settings: backtestRuns.settings }).from(backtestRuns).where(eq(backtestRuns.id, id)).get();
    if (!row) return;
    finishEncoded(id, { ...rest, results: encodeResults({ trades, chart }, row.settings.feeRate) });
  }

  function finishEncoded(id: string, outcome: EncodedOutcome): void {
    const { results, ...rest } = outcome;
    db.update(backtestRuns)
      .set({ ...rest, results: Buffer.from(results.buffer, results.byteOffset, results.byteLength), status: "done", error: null, finishedAt: now() })
      .where(eq(backtestRuns.id, id))
      .run();
  }

  function fail(id: string, status: "failed" | "cancelled", error: string): void {
    db.update(backtestRuns).set({ status, error, finishedAt: now() }).where(eq(backtestRuns.id, id)).run();
  }

  function get(id: string): BacktestRun | undefined {
    const row = db.select(fullColumns).from(backtestRuns).where(eq(backtestRuns.id, id)).get();
    if (!row) return undefined;
    const { results, legacyTrades, legacyChart, ...rest } = row;
    // Runs stored before the columnar results still hold JSON: read it as it is.
    const decoded = results ? decodeResults(results) : { trades: legacyTrades, chart: legacyChart };
    return { ...rest, trades: decoded.trades, chart: decoded.chart };
  }

  /**
   * A run without trades and chart, plus its results as packed columns (packResults in
   * @keyflow/core), uncompressed; runs stored before the columnar results are packed from their JSON.
   */
  function getPacked(id: string): (Omit<BacktestRun, "trades" | "chart"> & { columns: Uint8Array | null }) | undefined {
    const row = db.select(fullColumns).from(backtestRuns).where(eq(backtestRuns.id, id)).get();
    if (!row) return undefined;
    const { results, legacyTrades, legacyChart, ...rest } = row;
    const columns = results ? resultColumns(results) : legacyTrades && legacyChart ? packResults({ trades: legacyTrades, chart: legacyChart }, rest.settings.feeRate) : null;
    return { ...rest, columns };
  }

  /** A run without its trades and chart (no decoding): what it ran and how it went. */
  function getInfo(id: string): Omit<BacktestRun, "trades" | "chart"> | undefined {
    return db.select({ ...rowColumns, bytes: runBytes }).from(backtestRuns).where(eq(backtestRuns.id, id)).get();
  }

  /** How many runs are stored and the bytes they take (see `bytes` of a run). */
  function storage(): { runs: number; bytes: number } {
    return db.select({ runs: sql<number>`count(*)`, bytes: sql<number>`coalesce(sum(${runBytes}), 0)` }).from(backtestRuns).get()!;
  }

  function listForStrategy(strategyId: string, limit = 50): BacktestRunSummary[] {
    return db.select(summaryColumns).from(backtestRuns).where(eq(backtestRuns.strategyId, strategyId)).orderBy(desc(backtestRuns.createdAt)).limit(limit).all();
  }

  function listRecent(limit = 50): BacktestRunSummary[] {
    return db.select(summaryColumns).from(backtestRuns).orderBy(desc(backtestRuns.createdAt)).limit(limit).all();
  }

  /**
   * The latest finished run of the same strategy with the same spec, market, range and settings,
   * on the same candles (content hash) and engine, started at or after `since` (when the candles last
   * changed): running again would repeat it.
   */
  function findSame(q: { strategyId: string; specHash: string; market: NewBacktestRun["market"]; fromTime: number; toTime: number; settings: Settings; since: number; dataHash: string; engineVersion: string }): BacktestRunSummary | undefined {
    const rows = db
      .select(summaryColumns)
      .from(backtestRuns)
      .where(
        and(
          eq(backtestRuns.strategyId, q.strategyId),
          eq(backtestRuns.specHash, q.specHash),
          eq(backtestRuns.exchange, q.market.exchange),
          eq(backtestRuns.symbol, q.market.symbol),
          eq(backtestRuns.timeframe, q.market.timeframe),
          eq(backtestRuns.fromTime, q.fromTime),
          eq(backtestRuns.toTime, q.toTime),
          eq(backtestRuns.status, "done"),
          gte(backtestRuns.createdAt, q.since),
          eq(backtestRuns.dataHash, q.dataHash),
          eq(backtestRuns.engineVersion, q.engineVersion),
        ),
      )
      .orderBy(desc(backtestRuns.createdAt))
      .all();
    const settings = canonicalJson(q.settings);
    return rows.find((r) => canonicalJson(r.settings) === settings);
  }

  /** Crash-only recovery: runs left queued or running by a previous process did not finish. */
  function failInterrupted(): number {
    return db
      .update(backtestRuns)
      .set({ status: "failed", error: "Interrupted because the server stopped; run it again.", finishedAt: now() })
      .where(inArray(backtestRuns.status, ["queued", "running"]))
      .run().changes;
  }

  function remove(id: string): boolean {
    return db.delete(backtestRuns).where(eq(backtestRuns.id, id)).run().changes > 0;
  }

  function rename(id: string, name: string | null): boolean {
    return db.update(backtestRuns).set({ name }).where(eq(backtestRuns.id, id)).run().changes > 0;
  }

  function setVerification(id: string, verification: Verification): boolean {
    return db.update(backtestRuns).set({ verification }).where(eq(backtestRuns.id, id)).run().changes > 0;
  }

  function setPinned(id: string, pinned: boolean): boolean {
    return db.update(backtestRuns).set({ pinned }).where(eq(backtestRuns.id, id)).run().changes > 0;
  }

  /** Retention: the newest `keep` runs of a strategy plus every pinned one stay (see `pruneRuns`). */
  function prune(strategyId: string | null, keep: number): number {
    return pruneRuns(db, backtestRuns, strategyId, keep);
  }

  return { create, setStatus, finish, finishEncoded, fail, get, getInfo, getPacked, storage, findSame, listForStrategy, listRecent, failInterrupted, remove, rename, setPinned, setVerification, prune };
}

export type BacktestRepo = ReturnType<typeof backtestRepo>;
