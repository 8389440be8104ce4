import { canonicalJson, type FlowGraph, type Verification } from "@keyflow/core";
import { and, desc, eq, sql } from "drizzle-orm";
import { strategies, strategyVersions, type StrategyRow } from "../schema";
import type { RepoContext } from "./context";

export interface StrategySummary extends StrategyRow {
  market: FlowGraph["market"];
  /** For a strategy imported with a result: what checking that result found (its newest verified run). */
  verification: Verification | null;
}

export interface StrategyWithFlow extends StrategyRow {
  flow: FlowGraph;
  specHash: string | null;
}

export interface VersionInfo {
  version: number;
  specHash: string | null;
  createdAt: number;
}

export function strategyRepo(ctx: RepoContext) {
  const { db, sqlite, now } = ctx;

  function list(): StrategySummary[] {
    const rows = db
      .select({
        s: strategies,
        flow: strategyVersions.flow,
        verification: sql<string | null>`(SELECT verification FROM backtest_runs r WHERE r.strategy_id = ${strategies.id} AND r.verification IS NOT NULL ORDER BY r.created_at DESC LIMIT 1)`,
      })
      .from(strategies)
      .innerJoin(strategyVersions, and(eq(strategyVersions.strategyId, strategies.id), eq(strategyVersions.version, strategies.latestVersion)))
      .orderBy(desc(strategies.updatedAt))
      .all();
    return rows.map((r) => ({ ...r.s, market: r.flow.market, verification: r.verification === null ? null : (JSON.parse(r.verification) as Verification) }));
  }

  function get(id: string, version?: number): StrategyWithFlow | undefined {
    const s = db.select().from(strategies).where(eq(strategies.id, id)).get();
    if (!s) return undefined;
    const v = db
      .select()
      .from(strategyVersions)
      .where(and(eq(strategyVersions.strategyId, id), eq(strategyVersions.version, version ?? s.latestVersion)))
      .get();
    if (!v) return undefined;
    return { ...s, flow: v.flow, specHash: v.specHash };
  }

  const create = sqlite.transaction((input: { id: string; flow: FlowGraph; specHash: string | null; name?: string; description?: string }): StrategyWithFlow => {
    const t = now();
    const row = {
      id: input.id,
      name: input.name ?? input.flow.name,
      description: input.description ?? input.flow.description,
      latestVersion: 1,
      createdAt: t,
      updatedAt: t,
    };
    db.insert(strategies).values(row).run();
    db.insert(strategyVersions).values({ strategyId: input.id, version: 1, flow: input.flow, specHash: input.specHash, createdAt: t }).run();
    return { ...row, flow: input.flow, specHash: input.specHash };
  });

  /**
   * Saves a flow as the next version. A flow identical to the latest one is not saved again:
   * the latest version is returned with `created: false`.
   */
  const saveVersion = sqlite.transaction(
    (id: string, flow: FlowGraph, specHash: string | null): { strategy: StrategyWithFlow; created: boolean } | undefined => {
      const current = get(id);
      if (!current) return undefined;
      const nameChanged = flow.name !== current.name || flow.description !== current.description;
      if (canonicalJson(current.flow) === canonicalJson(flow)) return { strategy: current, created: false };
      const t = now();
      const version = current.latestVersion + 1;
      db.insert(strategyVersions).values({ strategyId: id, version, flow, specHash, createdAt: t }).run();
      db.update(strategies)
        .set({ latestVersion: version, updatedAt: t, ...(nameChanged ? { name: flow.name, description: flow.description } : {}) })
        .where(eq(strategies.id, id))
        .run();
      return { strategy: get(id)!, created: true };
    },
  );

  function rename(id: string, name: string, description?: string): StrategyRow | undefined {
    return db
      .update(strategies)
      .set({ name, ...(description === undefined ? {} : { description }), updatedAt: now() })
      .where(eq(strategies.id, id))
      .returning()
      .get();
  }

  function remove(id: string): boolean {
    return db.delete(strategies).where(eq(strategies.id, id)).run().changes > 0;
  }

  function versions(id: string): VersionInfo[] {
    return db
      .select({ version: strategyVersions.version, specHash: strategyVersions.specHash, createdAt: strategyVersions.createdAt })
      .from(strategyVersions)
      .where(eq(strategyVersions.strategyId, id))
      .orderBy(desc(strategyVersions.version))
      .all();
  }

  return { list, get, create, saveVersion, rename, remove, versions };
}

export type StrategyRepo = ReturnType<typeof strategyRepo>;
