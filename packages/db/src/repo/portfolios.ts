import { desc, eq, getTableColumns } from "drizzle-orm";
import { portfolioRuns, type PortfolioRunRow } from "../schema";
import type { RepoContext } from "./context";

export type PortfolioRun = PortfolioRunRow;
export type NewPortfolioRun = Omit<PortfolioRunRow, "createdAt">;
/** A portfolio run without its trades and curve, for lists. */
export type PortfolioRunSummary = Omit<PortfolioRun, "markets" | "equity" | "flow">;

const { markets: _markets, equity: _equity, flow: _flow, ...summaryColumns } = getTableColumns(portfolioRuns);

export function portfoliosRepo(ctx: RepoContext) {
  const { db, now } = ctx;
  return {
    create(run: NewPortfolioRun): PortfolioRun {
      return db
        .insert(portfolioRuns)
        .values({ ...run, createdAt: now() })
        .returning()
        .get();
    },
    get(id: string): PortfolioRun | undefined {
      return db.select().from(portfolioRuns).where(eq(portfolioRuns.id, id)).get();
    },
    listForStrategy(strategyId: string, limit = 50): PortfolioRunSummary[] {
      return db.select(summaryColumns).from(portfolioRuns).where(eq(portfolioRuns.strategyId, strategyId)).orderBy(desc(portfolioRuns.createdAt)).limit(limit).all();
    },
  };
}

export type PortfoliosRepo = ReturnType<typeof portfoliosRepo>;
