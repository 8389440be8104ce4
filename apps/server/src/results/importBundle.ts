import { randomUUID } from "node:crypto";
import { bundleJsonFromHtml, isPortfolioBundle, parseResultFile, uniqueName, type ResultFile, type Verification } from "@keyflow/core";
import { UserError } from "../errors";
import { startRun } from "../backtest/startRun";
import { runPortfolio } from "../backtest/portfolioRun";
import type { Services } from "../trpc";
import { verifyBundle, type VerifyOptions } from "./verifyBundle";

/** Result files carry trades and a check value per candle (and, if chosen, the candles): bigger than templates. */
export const BUNDLE_MAX_BYTES = 64 * 1024 * 1024;

/** A result file's text (or an HTML report carrying one) as a bundle (a single market's or a portfolio's), or a UserError saying what is wrong with it. */
export function readBundleJson(text: string): ResultFile {
  const fail = (errors: string[]) =>
    new UserError("BAD_REQUEST", `This result cannot be read: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`, { kind: "bundle", errors });
  if (Buffer.byteLength(text, "utf8") > BUNDLE_MAX_BYTES) throw fail([`The file is larger than ${BUNDLE_MAX_BYTES / 1024 / 1024} MB; a Keyflow result is smaller.`]);
  const inReport = /^\s*</.test(text) ? bundleJsonFromHtml(text) : null;
  if (/^\s*</.test(text) && inReport === null) throw fail(["This HTML page is not a Keyflow report: it carries no result."]);
  let doc: unknown;
  try {
    doc = JSON.parse(inReport ?? text);
  } catch (e) {
    throw fail([`The file is not valid JSON (${e instanceof Error ? e.message : String(e)}). Export the result from Keyflow again.`]);
  }
  const parsed = parseResultFile(doc);
  if (!parsed.ok) throw fail(parsed.errors);
  return parsed.bundle;
}

export interface ImportedResult {
  strategyId: string;
  /** The re-run on this install's candles, carrying the verification; null when there are no candles to run on (or for a portfolio). */
  runId: string | null;
  /** For a portfolio's result: its re-run here (queued, see `backtests.portfolio`); null when there are no candles to run on. */
  portfolioRunId?: string | null;
  verification: Verification;
}

/** The download path the app uses (markets.download), awaited. */
export function downloadThroughJobs(services: Services): NonNullable<VerifyOptions["download"]> {
  return async (req) => {
    const { jobId } = await services.downloads.start(req);
    await services.downloads.wait(jobId);
  };
}

/**
 * Imports a result bundle: checks it on this install's own candles (downloading them when missing),
 * saves its template as a new strategy and runs it here, the run carrying what the check found.
 */
export async function importBundle(services: Services, bundle: ResultFile, opts: VerifyOptions = {}): Promise<ImportedResult> {
  const verification = await verifyBundle(services.db, bundle, opts);
  const name = uniqueName(bundle.template.name, services.db.strategies.list().map((s) => s.name));
  if (isPortfolioBundle(bundle)) {
    // The flow with the markets and rules the result ran on, in their slot order.
    const first = bundle.markets[0]!.data;
    const portfolio = { symbols: bundle.markets.map((m) => m.data.symbol), maxOpenPositions: bundle.rules.maxOpenPositions, budgetPerPosition: bundle.rules.budgetPerPosition };
    const flow = { ...bundle.template, name, settings: bundle.settings, market: { exchange: first.exchange, symbol: first.symbol, timeframe: first.timeframe }, portfolio };
    const strategy = services.db.strategies.create({ id: randomUUID(), flow, specHash: bundle.specHash });
    try {
      const from = Math.min(...bundle.markets.map((m) => m.data.from));
      const to = Math.max(...bundle.markets.map((m) => m.data.to));
      const run = runPortfolio(services, { strategyId: strategy.id, version: strategy.latestVersion, from, to });
      return { strategyId: strategy.id, runId: null, portfolioRunId: run.runId, verification };
    } catch (e) {
      if (e instanceof UserError && e.details.kind === "noCandles") return { strategyId: strategy.id, runId: null, portfolioRunId: null, verification };
      throw e;
    }
  }
  const flow = { ...bundle.template, name, settings: bundle.settings, market: { exchange: bundle.data.exchange, symbol: bundle.data.symbol, timeframe: bundle.data.timeframe } };
  const strategy = services.db.strategies.create({ id: randomUUID(), flow, specHash: bundle.specHash });
  try {
    const run = startRun(services, { strategyId: strategy.id, version: strategy.latestVersion, from: bundle.data.from, to: bundle.data.to });
    services.db.backtests.setVerification(run.runId, verification);
    return { strategyId: strategy.id, runId: run.runId, verification };
  } catch (e) {
    // No candles here to run on: the verification says so and what to download.
    if (e instanceof UserError && e.details.kind === "noCandles") return { strategyId: strategy.id, runId: null, verification };
    throw e;
  }
}
