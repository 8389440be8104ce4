import {
  backtest,
  candleChecks,
  compareOutcomes,
  compile,
  describeDivergence,
  ENGINE_VERSION,
  firstDifferingCheck,
  TIMEFRAME_MS,
  type Candles,
  type Market,
  type ResultBundle,
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

/**
 * Checks a result on this install's own candles: same candles (content hash) and the same result
 * from the same template and settings → verified; other candles → data differs, with the first
 * differing candle; same candles but another result → not reproduced, with the first diverging trade.
 */
export async function verifyBundle(db: KeyflowDb, bundle: ResultBundle, opts: VerifyOptions = {}): Promise<Verification> {
  const versions = { bundleEngineVersion: bundle.engineVersion, engineVersion: ENGINE_VERSION };
  const engineNote =
    bundle.engineVersion === ENGINE_VERSION ? "" : ` It was made with engine ${bundle.engineVersion}; this Keyflow runs engine ${ENGINE_VERSION}.`;
  const notReproduced = (reason: string, at: number | null = null): Verification => ({ status: "notReproduced", reason: reason + engineNote, at, ...versions });

  const flow = { ...bundle.template, settings: bundle.settings };
  const compiled = compile(flow);
  if (!compiled.ok) return notReproduced(`The template does not compile here: ${compiled.errors[0]!.message}`);
  if (compiled.hash !== bundle.specHash) return notReproduced(`The template compiles to another strategy than the one the result records (spec ${compiled.hash.slice(0, 12)}, recorded ${bundle.specHash.slice(0, 12)}).`);

  const d = bundle.data;
  const market: Market = { exchange: d.exchange, symbol: d.symbol, timeframe: d.timeframe };
  const name = `${d.exchange} ${d.symbol} ${d.timeframe}`;
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
  if (mine.contentHash !== d.contentHash) return dataDiffers(bundle, candles, name, versions);

  const result = backtest(compiled.spec, candles, bundle.settings, { hash: compiled.hash, timeframeMs: TIMEFRAME_MS[market.timeframe] });
  const divergence = compareOutcomes(bundle, { metrics: result.metrics, trades: result.trades, openPosition: result.openPosition });
  if (divergence) return notReproduced(`Same candles, but not the recorded result. ${describeDivergence(divergence, "the re-run here")}`, "at" in divergence ? divergence.at : null);
  return {
    status: "verified",
    reason: `Re-run here on your own ${name} candles (${candles.length} candles, identical to the ones it was computed on): the same ${result.trades.length} trades and the same numbers.${engineNote}`,
    at: null,
    ...versions,
  };
}

function dataDiffers(bundle: ResultBundle, candles: Candles, name: string, versions: Pick<Verification, "bundleEngineVersion" | "engineVersion">): Verification {
  const d = bundle.data;
  const i = d.checks === undefined ? -1 : firstDifferingCheck(d.checks, candleChecks(candles));
  const counts = candles.length === d.count ? `${d.count} candles on both sides` : `the result had ${d.count} candles, you have ${candles.length}`;
  if (i < 0) return { status: "dataDiffers", reason: `Your ${name} candles in the range differ from the ones the result was computed on (${counts}).`, at: null, ...versions };
  const at = i < candles.length ? candles.time[i]! : d.lastTime;
  let detail = i < candles.length ? `candle ${i + 1} of the range, ${utcMinute(at)} UTC` : `after your last candle (${utcMinute(candles.time[candles.length - 1] ?? d.from)} UTC)`;
  // With the candles included, say which figure differs.
  const theirs = bundle.candles ? decodeBundledCandles(bundle.candles, d.count) : null;
  if (theirs && typeof theirs !== "string" && i < theirs.length && i < candles.length) {
    const f = FIELDS.find((k) => !Object.is(theirs[k][i], candles[k][i]));
    if (f === "time") detail = `candle ${i + 1} of the range: the result has one at ${utcMinute(theirs.time[i]!)} UTC, you at ${utcMinute(at)} UTC (a gap on one side)`;
    else if (f) detail += `: its ${f} is ${theirs[f][i]} in the result's candles and ${candles[f][i]} in yours`;
  }
  return { status: "dataDiffers", reason: `Your ${name} candles differ from the ones the result was computed on (${counts}); the first difference is at ${detail}.`, at, ...versions };
}
