import {
  backtest,
  candleChecks,
  compareOutcomes,
  compile,
  describeDivergence,
  ENGINE_VERSION,
  firstDifferingCheck,
  isPortfolioBundle,
  portfolioBacktest,
  TIMEFRAME_MS,
  type BundleData,
  type Candles,
  type Divergence,
  type Market,
  type PortfolioBundle,
  type ResultBundle,
  type ResultFile,
  type StrategySpec,
  type Verification,
} from "@keyflow/core";
import type { KeyflowDb } from "@keyflow/db";
import { DEMO_EXCHANGE } from "../data/demoMarket";
import { utcMinute } from "../utcMinute";
import { decodeBundledCandles } from "./bundle";
import { candleFingerprint } from "./fingerprint";
import { readInclusive } from "../backtest/rangeFacts";

export interface VerifyOptions {
  /** Fetches the market's candles for [since, until) into the database when they are missing; absent: no download. */
  download?: (req: Market & { since: number; until: number }) => Promise<void>;
}

const FIELDS = ["time", "open", "high", "low", "close", "volume"] as const;

type Versions = Pick<Verification, "bundleEngineVersion" | "engineVersion">;

/**
 * Checks a result on this install's own candles: same candles (content hash) and the same result
 * from the same template and settings → verified; other candles → data differs, with the first
 * differing candle; same candles but another result → not reproduced, with the first diverging trade.
 * A portfolio's result is checked the same way on every one of its markets' candles (the first
 * market whose candles differ, or whose trades differ, is named), then its shared figures.
 */
export async function verifyBundle(db: KeyflowDb, bundle: ResultFile, opts: VerifyOptions = {}): Promise<Verification> {
  const versions: Versions = { bundleEngineVersion: bundle.engineVersion, engineVersion: ENGINE_VERSION };
  const engineNote =
    bundle.engineVersion === ENGINE_VERSION ? "" : ` It was made with engine ${bundle.engineVersion}; this Keyflow runs engine ${ENGINE_VERSION}.`;
  const notReproduced = (reason: string, at: number | null = null): Verification => ({ status: "notReproduced", reason: reason + engineNote, at, ...versions });

  const flow = { ...bundle.template, settings: bundle.settings };
  const compiled = compile(flow);
  if (!compiled.ok) return notReproduced(`The template does not compile here: ${compiled.errors[0]!.message}`);
  if (compiled.hash !== bundle.specHash) return notReproduced(`The template compiles to another strategy than the one the result records (spec ${compiled.hash.slice(0, 12)}, recorded ${bundle.specHash.slice(0, 12)}).`);

  const markets = isPortfolioBundle(bundle) ? bundle.markets : [bundle];
  const own: Candles[] = [];
  for (const m of markets) {
    const candles = await ownCandles(db, m.data, m.candles, opts, versions);
    if (!("length" in candles)) return candles;
    own.push(candles);
  }
  const check = isPortfolioBundle(bundle) ? reproducePortfolio(bundle, compiled.spec, compiled.hash, own) : reproduceOne(bundle, compiled.spec, compiled.hash, own[0]!);
  if (check.divergence) return notReproduced(`Same candles, but not the recorded result. ${check.where}${describeDivergence(check.divergence, "the re-run here")}`, "at" in check.divergence ? check.divergence.at : null);
  return { status: "verified", reason: `Re-run here on your own ${check.what}: the same ${check.trades} trades and the same numbers.${engineNote}`, at: null, ...versions };
}

interface Reproduction {
  divergence: Divergence | null;
  /** The market the divergence is in (a portfolio's), as a sentence start. */
  where: string;
  what: string;
  trades: number;
}

const marketName = (d: Market) => `${d.exchange} ${d.symbol} ${d.timeframe}`;

function reproduceOne(bundle: ResultBundle, spec: StrategySpec, hash: string, candles: Candles): Reproduction {
  const result = backtest(spec, candles, bundle.settings, { hash, timeframeMs: TIMEFRAME_MS[bundle.data.timeframe] });
  return {
    divergence: compareOutcomes(bundle, { metrics: result.metrics, trades: result.trades, openPosition: result.openPosition }),
    where: "",
    what: `${marketName(bundle.data)} candles (${candles.length} candles, identical to the ones it was computed on)`,
    trades: result.trades.length,
  };
}

function reproducePortfolio(bundle: PortfolioBundle, spec: StrategySpec, hash: string, own: Candles[]): Reproduction {
  const timeframe = bundle.markets[0]!.data.timeframe;
  const result = portfolioBacktest(
    spec,
    bundle.markets.map((m, k) => ({ symbol: m.data.symbol, candles: own[k]! })),
    bundle.settings,
    bundle.rules,
    { hash, timeframeMs: TIMEFRAME_MS[timeframe] },
  );
  const what = `candles of its ${bundle.markets.length} markets (${own.reduce((n, c) => n + c.length, 0)} candles, identical to the ones it was computed on)`;
  const trades = result.markets.reduce((n, m) => n + m.trades.length, 0);
  for (const [k, m] of bundle.markets.entries()) {
    const got = result.markets[k]!;
    const divergence: Divergence | null =
      compareOutcomes(m, { trades: got.trades, openPosition: got.openPosition }) ??
      (m.skippedEntries === got.skippedEntries ? null : { kind: "metric", field: "skippedEntries", expected: m.skippedEntries, actual: got.skippedEntries });
    if (divergence) return { divergence, where: `In ${marketName(m.data)}: `, what, trades };
  }
  // Every market's trades match: what is left are the shared figures (the rules are inputs of the re-run).
  const divergence = compareOutcomes({ metrics: bundle.metrics, trades: [], openPosition: null }, { metrics: result.metrics, trades: [], openPosition: null });
  return { divergence, where: divergence ? "In the portfolio's figures: " : "", what, trades };
}

/**
 * This install's candles of a market a result names, downloading them when missing (and allowed),
 * or the verification saying what is missing or different — naming the market.
 */
async function ownCandles(db: KeyflowDb, d: BundleData, bundled: ResultBundle["candles"], opts: VerifyOptions, versions: Versions): Promise<Candles | Verification> {
  const market: Market = { exchange: d.exchange, symbol: d.symbol, timeframe: d.timeframe };
  const name = marketName(market);
  const covers = () => {
    const s = db.candles.find(market);
    return s && s.firstTime !== null && s.lastTime !== null && s.firstTime <= d.firstTime && s.lastTime >= d.lastTime ? s : undefined;
  };
  let downloadError = "";
  if (!covers() && opts.download && market.exchange !== DEMO_EXCHANGE) {
    try {
      await opts.download({ ...market, since: d.from, until: d.to + TIMEFRAME_MS[market.timeframe] });
    } catch (e) {
      downloadError = ` (Downloading them failed: ${e instanceof Error ? e.message : String(e)})`;
    }
  }
  const series = covers();
  if (!series) {
    return {
      status: "dataDiffers",
      reason: `You have no ${name} candles for ${utcMinute(d.firstTime)} → ${utcMinute(d.lastTime)} UTC, the range the result was computed on.${downloadError} Download or import them on the Data page, then verify again.`,
      at: null,
      ...versions,
    };
  }
  const candles = readInclusive(db, series.id, d.from, d.to);
  const mine = candleFingerprint(market, { from: d.from, to: d.to }, candles);
  if (mine.contentHash !== d.contentHash) return dataDiffers(d, bundled, candles, name, versions);
  return candles;
}

function dataDiffers(d: BundleData, bundled: ResultBundle["candles"], candles: Candles, name: string, versions: Versions): Verification {
  const i = d.checks === undefined ? -1 : firstDifferingCheck(d.checks, candleChecks(candles));
  const counts = candles.length === d.count ? `${d.count} candles on both sides` : `the result had ${d.count} candles, you have ${candles.length}`;
  if (i < 0) return { status: "dataDiffers", reason: `Your ${name} candles in the range differ from the ones the result was computed on (${counts}).`, at: null, ...versions };
  const at = i < candles.length ? candles.time[i]! : d.lastTime;
  let detail = i < candles.length ? `candle ${i + 1} of the range, ${utcMinute(at)} UTC` : `after your last candle (${utcMinute(candles.time[candles.length - 1] ?? d.from)} UTC)`;
  // With the candles included, say which figure differs.
  const theirs = bundled ? decodeBundledCandles(bundled, d.count) : null;
  if (theirs && typeof theirs !== "string" && i < theirs.length && i < candles.length) {
    const f = FIELDS.find((k) => !Object.is(theirs[k][i], candles[k][i]));
    if (f === "time") detail = `candle ${i + 1} of the range: the result has one at ${utcMinute(theirs.time[i]!)} UTC, you at ${utcMinute(at)} UTC (a gap on one side)`;
    else if (f) detail += `: its ${f} is ${theirs[f][i]} in the result's candles and ${candles[f][i]} in yours`;
  }
  return { status: "dataDiffers", reason: `Your ${name} candles differ from the ones the result was computed on (${counts}); the first difference is at ${detail}.`, at, ...versions };
}
